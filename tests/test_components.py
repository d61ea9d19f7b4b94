"""spaCy components: the line-break segmenter."""

from __future__ import annotations

import pytest

from testimonycoder.pipeline import build_nlp


def test_turns_become_sentences() -> None:
    doc = build_nlp()("Q: Were you sold?\nA: Yes. Twice.")
    assert [s[0].text for s in doc.sents] == ["Q", "\n", "A", "Twice"]


@pytest.mark.parametrize(
    "text",
    [
        "Header\n\nI was sold \n to a farmer",
        "no break at all",
        "ends with a break\n",
        "\nstarts with one",
        "a\r\nb \n\n c",
    ],
)
def test_a_sentence_starts_after_every_line_break(text: str) -> None:
    doc = build_nlp()(text)
    for token in doc[1:]:
        before = doc[token.i - 1]
        if "\n" in before.text + before.whitespace_:
            assert token.is_sent_start, (before.text, token.text)
