"""The feature extraction's fast paths give exactly what the plain library calls give."""

from __future__ import annotations

import numpy as np
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from testimonycoder.features import FeatureConfig, Featurizer
from testimonycoder.sentences import sentence_bounds

TEXTS = [
    "",
    "   ",
    "Ms. Kim from Hoeryong City\nThe broker sold me for ¥7,000 (…) I was taken to Yanji.",
    "a\u00a0b  c\t\td\n\ne",
    "Ünïcode ÉCOLE straße İstanbul",
    "the the the the",
]


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
