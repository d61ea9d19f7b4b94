"""build_nlp: the tokenizer cache warm-up changes no tokens."""

from __future__ import annotations

import spacy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from testimonycoder.pipeline import warm_tokenizer_cache
from testimonycoder.resources import config_path

WORDS = ["I", "was", "sold", "to", "a", "man", "in", "Yanji", ",", ".", "don't", "¥5,000", "(…)"]
WARM = spacy.blank("en")
warm_tokenizer_cache(WARM)
COLD = spacy.blank("en")


def test_the_frequent_words_are_shipped() -> None:
    words = [
        w
        for w in config_path("frequent_words.txt").read_text(encoding="utf-8").splitlines()
        if w and not w.startswith("# ")
    ]
    assert len(words) == 5000
    assert words[:3] == [".", ",", "the"]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=12)), max_size=30))
def test_a_warm_tokenizer_splits_text_as_a_cold_one(parts: list[str]) -> None:
    text = " ".join(parts)
    assert [t.text for t in WARM(text)] == [t.text for t in COLD(text)]
