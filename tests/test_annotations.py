"""load_annotated(): dispatch on the path and return texts + long-format annotations."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from testimonycoder.codebook import load_codebook
from testimonycoder.errors import CodebookError, InputError
from testimonycoder.io.annotations import document_labels, load_annotated

TEXT = "The broker sold me. I was not kidnapped."
RECORDS = [
    {
        "id": "a",
        "text": TEXT,
        "codes": ["sale"],
        "subcodes": ["sale.broker"],
        "spans": [
            {"start": 11, "end": 18, "code": "sale", "status": "asserted"},
            {"start": 30, "end": 39, "code": "abduction", "status": "negated"},
        ],
    },
    {"id": "b", "text": "Nothing coded.", "codes": [], "subcodes": [], "spans": []},
]


@pytest.fixture(scope="module")
def book():
    return load_codebook()


def _check(texts: dict[str, str], df: pd.DataFrame) -> None:
    assert texts == {"a": TEXT, "b": "Nothing coded."}
    assert list(df.columns) == ["doc_id", "coder", "code", "start", "end", "status"]
    assert str(df.start.dtype) == "Int64"
    spans = df[df.start.notna()]
    assert {(r.code, TEXT[r.start : r.end], r.status) for r in spans.itertuples()} == {
        ("sale", "sold me", "asserted"),
        ("abduction", "kidnapped", "negated"),
    }
    labels = document_labels(df)
    assert list(zip(labels.doc_id, labels.code, strict=True)) == [
        ("a", "sale"),
        ("a", "sale.broker"),
    ]


def test_jsonl_csv_parquet(tmp_path: Path, book) -> None:
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_text("\n".join(json.dumps(r) for r in RECORDS))
    _check(*load_annotated(jsonl, codebook=book))
    flat = pd.DataFrame(
        [
            {
                **r,
                "codes": ";".join(r["codes"]),
                "subcodes": ";".join(r["subcodes"]),
                "spans": json.dumps(r["spans"]),
            }
            for r in RECORDS
        ]
    )
    flat.to_csv(tmp_path / "c.csv", index=False)
    _check(*load_annotated(tmp_path / "c.csv", codebook=book))
    pd.DataFrame(RECORDS).to_parquet(tmp_path / "c.parquet")
    _check(*load_annotated(tmp_path / "c.parquet", codebook=book))


def test_split_folder_and_saved_dataset(tmp_path: Path, book) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "train.jsonl").write_text(json.dumps(RECORDS[0]))
    (folder / "test.jsonl").write_text(json.dumps(RECORDS[1]))
    texts, _ = load_annotated(folder, codebook=book, split="train")
    assert list(texts) == ["a"]
    _check(*load_annotated(folder, codebook=book))
    from datasets import Dataset, DatasetDict

    saved = tmp_path / "saved"
    DatasetDict(
        {"train": Dataset.from_list([RECORDS[0]]), "test": Dataset.from_list([RECORDS[1]])}
    ).save_to_disk(str(saved))
    _check(*load_annotated(saved, codebook=book))
    assert list(load_annotated(saved, codebook=book, split="test")[0]) == ["b"]


def test_dispatch_doccano_and_errors(tmp_path: Path, book) -> None:
    doccano = tmp_path / "admin.jsonl"
    doccano.write_text(json.dumps({"id": 1, "text": TEXT, "label": [[11, 18, "Sale"]]}))
    _texts, df = load_annotated(doccano, codebook=book)
    assert (df.code.tolist(), df.coder.tolist()) == (["sale"], ["admin"])
    with pytest.raises(InputError, match="--allow-network"):
        load_annotated("someone/some-dataset", codebook=book)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({**RECORDS[0], "codes": ["trafficking"]}))
    with pytest.raises(CodebookError, match="'trafficking'"):
        load_annotated(bad, codebook=book)
    _, df = load_annotated(bad, codebook=book, code_map={"trafficking": "sale"})
    assert "sale" in set(df.code)
    out = tmp_path / "out.jsonl"
    out.write_text(json.dumps({**RECORDS[0], "spans": [{"start": 5, "end": 99, "code": "sale"}]}))
    with pytest.raises(InputError, match="outside the text"):
        load_annotated(out, codebook=book)
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(InputError, match="unsupported"):
        load_annotated(tmp_path / "notes.txt", codebook=book)


def test_code_reads_a_split_folder(tmp_path: Path) -> None:
    from testimonycoder.io.readers import read_documents

    (tmp_path / "data").mkdir()
    pd.DataFrame(RECORDS).to_parquet(tmp_path / "data" / "train-00000-of-00001.parquet")
    assert [d.id for d in read_documents([tmp_path])] == ["a", "b"]
