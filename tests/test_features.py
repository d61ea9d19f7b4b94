"""The feature extraction's fast paths give exactly what the plain library calls give."""

from __future__ import annotations

import numpy as np
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from testimonycoder.features import FeatureConfig, Featurizer
from testimonycoder.sentences import sentence_bounds
from tests._texts import EDGE_TEXTS

TEXTS = EDGE_TEXTS


def _reference(featurizer: Featurizer, texts: list[str]) -> np.ndarray:
    return featurizer._chars.transform(texts).toarray()


def test_char_ngrams_equal_hashing_vectorizer() -> None:
    featurizer = Featurizer(FeatureConfig(char_features=2**10))
    got = featurizer._char_ngrams(TEXTS).toarray()
    assert np.array_equal(got, _reference(featurizer, TEXTS))
    # the second call is served from the per-word cache and must not change anything
    assert np.array_equal(featurizer._char_ngrams(TEXTS[::-1]).toarray(), got[::-1])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=6))
def test_char_ngrams_equal_hashing_vectorizer_on_any_text(texts: list[str]) -> None:
    featurizer = Featurizer(FeatureConfig(char_features=2**8))
    got = featurizer._char_ngrams(texts).toarray()
    assert np.array_equal(got, _reference(featurizer, texts))


def test_word_cache_is_bounded(monkeypatch) -> None:
    import testimonycoder.features as features

    monkeypatch.setattr(features, "WORD_CACHE_SIZE", 3)
    featurizer = Featurizer(FeatureConfig(char_features=2**8))
    texts = ["one two three four five", "six seven"]
    got = featurizer._char_ngrams(texts).toarray()
    # full: emptied, then holding only the words of the current batch
    assert set(featurizer._word_rows) == {"one", "two", "three", "four", "five", "six", "seven"}
    assert np.array_equal(got, _reference(featurizer, texts))
    again = featurizer._char_ngrams(["eight nine"]).toarray()
    assert set(featurizer._word_rows) == {"eight", "nine"}
    assert np.array_equal(again, _reference(featurizer, ["eight nine"]))


def test_sentence_bounds_match_doc_sents() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    for text in [*TEXTS, "One. Two! Three? Four", "No stop at all"]:
        doc = nlp(text)
        assert sentence_bounds(doc) == [(s.start, s.end) for s in doc.sents]


def test_window_sums_neighbours_inside_each_document_only() -> None:
    featurizer = Featurizer(FeatureConfig(window=1))
    band = featurizer._window(np.array([0, 3, 4, 6])).toarray()
    expected = np.array(
        [
            [1, 1, 0, 0, 0, 0],
            [1, 1, 1, 0, 0, 0],
            [0, 1, 1, 0, 0, 0],
            [0, 0, 0, 1, 0, 0],
            [0, 0, 0, 0, 1, 1],
            [0, 0, 0, 0, 1, 1],
        ]
    )
    assert np.array_equal(band, expected)


def _joined_lemmas(doc) -> list[str]:  # type: ignore[no-untyped-def]
    """Each sentence's lower-cased lemmas without punctuation, as the word block reads them."""
    out = []
    for lo, hi in sentence_bounds(doc):
        if not doc[lo:hi].text.strip():
            continue
        out.append(" ".join(t.lemma_.lower() for t in doc[lo:hi] if not (t.is_punct or t.is_space)))
    return out or [""]


def _same_csr(a, b) -> bool:  # type: ignore[no-untyped-def]
    return (
        a.shape == b.shape
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and np.array_equal(a.data, b.data)
    )


def _assert_word_counts_match(nlp, docs, n_features: int) -> None:  # type: ignore[no-untyped-def]
    """The lemma-hash word block equals HashingVectorizer on the joined lemma strings."""
    featurizer = Featurizer(FeatureConfig(word_features=n_features))
    lemmas: list[np.ndarray] = []
    featurizer._strings = nlp.vocab.strings
    for doc in docs:
        featurizer._sentences(doc, lemmas, [], [])
    expected = featurizer._words.transform([s for doc in docs for s in _joined_lemmas(doc)])
    assert _same_csr(featurizer._word_counts(lemmas), expected)


def test_word_counts_equal_hashing_the_joined_lemmas(nlp) -> None:  # type: ignore[no-untyped-def]
    texts = [*TEXTS, "They sold her. She was sold again!\nThe broker sold me twice."]
    _assert_word_counts_match(nlp, [nlp(t) for t in texts], 2**10)


def test_word_counts_with_a_lemma_holding_whitespace(nlp) -> None:  # type: ignore[no-untyped-def]
    """Such a lemma is split by the vectorizer's \\S+ tokens: the plain path handles it."""
    doc = nlp("I was sold twice in Yanji")
    doc[3].lemma_ = "two times"
    doc[1].lemma_ = ""
    _assert_word_counts_match(nlp, [doc], 2**10)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(max_size=60), min_size=1, max_size=4))
def test_word_counts_on_any_text(nlp, texts: list[str]) -> None:  # type: ignore[no-untyped-def]
    _assert_word_counts_match(nlp, [nlp(t) for t in texts], 2**8)


@st.composite
def _spans_and_evidence(draw: st.DrawFn) -> tuple[list[tuple[int, int]], list, list]:
    """Ordered, disjoint sentence spans (with gaps), evidence and question ranges over them."""
    cuts = sorted(set(draw(st.lists(st.integers(0, 200), max_size=16))))
    spans = [(a, b) for a, b in zip(cuts[::2], cuts[1::2], strict=False) if a < b]
    pos = st.integers(0, 210)
    evidence = []
    for a, length in draw(st.lists(st.tuples(pos, st.integers(1, 40)), max_size=12)):
        code = draw(st.sampled_from(["sale", "sale.broker", "abduction"]))
        evidence.append((code, a, a + length, "asserted", "self", f"{code}.r"))
    qcuts = sorted(set(draw(st.lists(pos, max_size=8))))
    questions = [(a, b) for a, b in zip(qcuts[::2], qcuts[1::2], strict=False) if a < b]
    return spans, evidence, questions


@settings(max_examples=200, deadline=None)
@given(_spans_and_evidence())
def test_rule_terms_and_question_flags_equal_the_plain_definition(case) -> None:  # type: ignore[no-untyped-def]
    from testimonycoder.features import _rule_terms
    from testimonycoder.turns import in_ranges

    spans, evidence, questions = case
    plain_terms = [
        " ".join(
            f"{c}|{s} {c}|{s}|{x} {r}|{s}"
            for c, a, b, s, x, r in evidence
            if a < end and start < b and "." not in c
        )
        for start, end in spans
    ]
    plain_flags = [any(a <= start < b for a, b in questions) for start, _ in spans]
    assert _rule_terms(spans, evidence) == plain_terms
    assert [in_ranges(start, questions) for start, _ in spans] == plain_flags
