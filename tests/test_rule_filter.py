"""The match filter narrows where patterns run without changing the matches."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.language import Language
from spacy.matcher import Matcher

from testimonycoder.codebook import load_codebook
from testimonycoder.pipeline import CODEBOOK_PIPE, build_nlp
from testimonycoder.rule_filter import _max_length
from testimonycoder.rules import RuleSet


def _words_of(pattern: list[dict[str, Any]]) -> set[str]:
    words: set[str] = set()
    for token in pattern:
        for value in token.values():
            if isinstance(value, str):
                words.add(value)
            elif isinstance(value, dict):
                for values in value.values():
                    if isinstance(values, list):
                        words.update(str(v) for v in values)
    return words


CODEBOOK = load_codebook(None)
PATTERNS = {r.id: r.pattern for c in CODEBOOK.codes for r in c.rules if r.pattern is not None}
# The words the default patterns test, punctuation that ends a stretch, line breaks and
# fillers: random texts built from them hold many matches, partial matches and near misses.
VOCAB = sorted({w for p in PATTERNS.values() for w in _words_of(p)} - {""})
FILLERS = [".", "?", "!", "…", "...", ";", ",", "\n", "\n\n", "the", "a", "20,000", "yuan", "I"]


def _token_word(token: dict[str, Any]) -> st.SearchStrategy[str]:
    for key in ("LOWER", "LEMMA"):
        value = token.get(key)
        if isinstance(value, str):
            return st.just(value)
        if isinstance(value, dict) and "IN" in value:
            return st.sampled_from([str(v) for v in value["IN"]])
    return st.sampled_from(VOCAB + FILLERS)


@st.composite
def _fragment(draw: st.DrawFn) -> str:
    """Words shaped like one pattern: each token's words, optional tokens sometimes left out."""
    pattern = draw(st.sampled_from(sorted(PATTERNS)))
    words = []
    for token in PATTERNS[pattern]:
        if token.get("OP") in ("?", "*") and draw(st.booleans()):
            continue
        words.append(draw(_token_word(token)))
    return " ".join(words)


texts = st.lists(
    st.one_of(_fragment(), st.sampled_from(VOCAB), st.sampled_from(FILLERS)),
    min_size=1,
    max_size=40,
).map(" ".join)


@pytest.fixture(scope="module")
def pipeline() -> Language:
    return build_nlp()


@pytest.fixture(scope="module")
def reference(pipeline: Language) -> Matcher:
    """All default patterns as written, in one Matcher over the whole Doc."""
    matcher = Matcher(pipeline.vocab)
    for rule_id, pattern in PATTERNS.items():
        matcher.add(rule_id, [pattern])
    return matcher


def _rules(nlp: Language) -> RuleSet:
    rules = nlp.get_pipe(CODEBOOK_PIPE)._rules
    assert isinstance(rules, RuleSet)
    return rules


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts)
def test_filtered_matches_equal_one_matcher_over_the_doc(
    pipeline: Language, reference: Matcher, text: str
) -> None:
    doc = pipeline(text)
    assert sorted(_rules(pipeline).pattern_matches(doc)) == sorted(reference(doc))


def test_the_corpus_samples_match_as_with_one_matcher(
    pipeline: Language, reference: Matcher
) -> None:
    from pathlib import Path

    samples = sorted((Path(__file__).parent.parent / "corpus" / "samples").glob("*.txt"))
    assert samples
    total = 0
    for path in samples:
        doc = pipeline(path.read_text(encoding="utf-8"))
        found = sorted(_rules(pipeline).pattern_matches(doc))
        assert found == sorted(reference(doc)), path.name
        total += len(found)
    assert total > 50


def test_a_match_may_run_over_a_line_break(pipeline: Language) -> None:
    # Hard-wrapped PDF text: the line break starts a new sentence, but not a new stretch.
    doc = pipeline("The broker threatened that she would\nbe sent back to the police.")
    rules = {pipeline.vocab.strings[m] for m, _, _ in _rules(pipeline).pattern_matches(doc)}
    assert "coercion.threat_report" in rules


def test_no_match_runs_over_a_full_stop(pipeline: Language) -> None:
    doc = pipeline("The broker threatened me. Later I was sent back by the police.")
    rules = {pipeline.vocab.strings[m] for m, _, _ in _rules(pipeline).pattern_matches(doc)}
    assert "coercion.threat_report" not in rules


def test_a_pattern_that_can_take_a_full_stop_still_does(pipeline: Language) -> None:
    # sale.paid_amount ends with a token that accepts ".": it runs on the whole Doc.
    doc = pipeline("They paid 20,000. Then she left.")
    found = {
        (pipeline.vocab.strings[m], doc[s:e].text)
        for m, s, e in _rules(pipeline).pattern_matches(doc)
    }
    assert ("sale.paid_amount", "paid 20,000.") in found


@pytest.mark.parametrize(
    ("pattern", "length"),
    [
        ([{"LOWER": "sold"}, {"OP": "?"}, {"LOWER": "to"}], 3),
        ([{"LOWER": "sold"}, {"OP": "*"}, {"LOWER": "to"}], -1),
        ([{"LOWER": "sold"}, {"LOWER": "again", "OP": "+"}], -1),
        ([{"LOWER": "sold"}, {"LIKE_NUM": True, "OP": "{1,3}"}], 4),
        ([{"LOWER": "sold"}, {"LIKE_NUM": True, "OP": "{2}"}], 3),
        ([{"LOWER": "sold"}, {"LIKE_NUM": True, "OP": "{2,}"}], -1),
    ],
)
def test_the_longest_match_of_a_pattern(pattern: list[dict[str, Any]], length: int) -> None:
    assert _max_length(pattern) == length
