"""ingest: splitting a report-like text with PDF layout noise into testimonies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from testimonycoder.errors import InputError
from testimonycoder.ingest import ingest_report, split_report


def test_sample_report_matches_answer_key(root: Path) -> None:
    found = ingest_report(root / "corpus/samples/report_excerpt.txt")
    expected = json.loads((root / "corpus/samples/report_excerpt.expected.json").read_text())
    assert len(found) == len(expected)
    for t, e in zip(found, expected, strict=True):
        assert t.speaker == e["speaker"]
        assert t.hometown == e["hometown"]
        assert " ".join(t.text.split()).startswith(" ".join(e["first_words"].split()))
        assert " ".join(t.text.split()).endswith(" ".join(e["last_words"].split()))


def test_offsets_and_layout_noise() -> None:
    text = (
        "2.1 Coercion\n\nMs. Kim from Musan County\nI was offered work in a restau-\n"
        "rant in Yanji. It was a lie.\n\n14\n41%\nCoercion in China\n"
        "Ms. Ri [hometown redacted]\nThe broker sold me twice.\n"
        "women in the sample were sold within weeks\n\nPhoto: Licensed under CC BY-NC-ND 2.0.\n"
    )
    first, second = split_report(text, prefix="r")
    assert first.id == "r-001" and first.hometown == "Musan County"
    assert first.text == "I was offered work in a restaurant in Yanji. It was a lie."
    assert text[first.start : first.end].startswith("I was offered")
    assert text[first.start : first.end].endswith("It was a lie.")
    assert second.speaker == "Ms. Ri" and second.hometown is None
    assert second.text == "The broker sold me twice."  # interleaved column line dropped


def test_no_headers_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    path.write_text("Just a paragraph.\n", encoding="utf-8")
    with pytest.raises(InputError, match="no testimony headers"):
        ingest_report(path)
