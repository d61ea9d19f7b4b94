"""Readers: every input type, offsets into the text as read, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from testimonycoder.errors import InputError
from testimonycoder.io.readers import read_documents


def _ids(paths, **kw):  # type: ignore[no-untyped-def]
    return [(d.id, d.text) for d in read_documents(paths, **kw)]


def test_txt_and_folder(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.txt").write_text("First.", encoding="utf-8")
    (tmp_path / "two.txt").write_text("Second.", encoding="utf-8")
    assert _ids([tmp_path]) == [("a/one", "First."), ("two", "Second.")]
    assert _ids([tmp_path / "two.txt"]) == [("two", "Second.")]


def test_zero_byte_txt_skipped_with_warning(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "good.txt").write_text("Text.", encoding="utf-8")
    warnings: list[str] = []
    assert _ids([tmp_path], warn=warnings.append) == [("good", "Text.")]
    assert "empty.txt" in warnings[0]


def test_bom_and_crlf_kept_as_read(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_bytes("\ufeffLine one.\r\nLine two.".encode())
    [(_doc_id, text)] = _ids([path])
    assert text == "Line one.\r\nLine two." and text.index("two") == 16


def test_cp949_korean_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "ko.txt"
    korean = "브로커가 나를 중국 남자에게 팔았다. 그 후 나는 농장에서 일했다." * 3
    path.write_bytes(korean.encode("cp949"))
    [(_, text)] = _ids([path])
    assert text == korean


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(InputError, match="binary"):
        _ids([path])


def test_jsonl_csv_parquet(tmp_path: Path) -> None:
    rows = [{"id": "a", "text": "one"}, {"id": "b", "text": "two"}]
    (tmp_path / "d.jsonl").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    pd.DataFrame(rows).to_csv(tmp_path / "d.csv", index=False)
    pd.DataFrame(rows).to_parquet(tmp_path / "d.parquet")
    for name in ("d.jsonl", "d.csv", "d.parquet"):
        assert _ids([tmp_path / name]) == [("a", "one"), ("b", "two")]


def test_renamed_columns(tmp_path: Path) -> None:
    pd.DataFrame([{"doc": "a", "body": "x"}]).to_csv(tmp_path / "d.csv", index=False)
    assert _ids([tmp_path / "d.csv"], id_column="doc", text_column="body") == [("a", "x")]


def test_csv_missing_text_column_lists_columns(tmp_path: Path) -> None:
    pd.DataFrame([{"id": "a", "body": "x"}]).to_csv(tmp_path / "d.csv", index=False)
    with pytest.raises(InputError, match=r"no 'text' column \(found: id, body\)"):
        _ids([tmp_path / "d.csv"])


def test_malformed_jsonl_line(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(
        '{"id": "a", "text": "x"}\n{broken\n{"id": "b", "text": "y"}\n', encoding="utf-8"
    )
    with pytest.raises(InputError, match=r"d.jsonl:2: malformed JSON line"):
        _ids([path])
    warnings: list[str] = []
    assert [i for i, _ in _ids([path], skip_bad_lines=True, warn=warnings.append)] == ["a", "b"]
    assert ":2:" in warnings[0]


def test_duplicate_ids(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"id": "a", "text": "x"}\n{"id": "a", "text": "y"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="duplicate document id 'a'"):
        _ids([path])


def test_hf_dataset_folder(tmp_path: Path) -> None:
    from datasets import Dataset

    Dataset.from_list([{"id": "a", "text": "one"}]).save_to_disk(str(tmp_path / "ds"))
    assert _ids([tmp_path / "ds"]) == [("a", "one")]


@pytest.mark.parametrize("make", ["empty_folder", "missing", "unsupported", "empty_txt"])
def test_unreadable_inputs(tmp_path: Path, make: str) -> None:
    if make == "empty_folder":
        target = tmp_path / "empty"
        target.mkdir()
    elif make == "missing":
        target = tmp_path / "missing.txt"
    elif make == "unsupported":
        target = tmp_path / "x.docx"
        target.write_bytes(b"PK")
    else:
        target = tmp_path / "e.txt"
        target.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match=str(target.name)):
        _ids([target])
