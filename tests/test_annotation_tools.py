"""Label Studio and doccano: export as pre-annotations, import their documented export formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from testimonycoder.cli.main import app
from testimonycoder.codebook import load_codebook
from testimonycoder.errors import CodebookError, InputError
from testimonycoder.io.annotation_tools import labelstudio_config, read_doccano, read_labelstudio

SAMPLES = Path(__file__).resolve().parents[1] / "corpus" / "samples"
TEXT = "They sold me 😀 to a farmer. Men kidnapped my sister."


@pytest.fixture(scope="module")
def book():
    return load_codebook()


def _ls_export(start_sold: int, end_sold: int) -> list[dict]:
    # Shape of a Label Studio "JSON" export (labelstud.io/guide/export, task format).
    return [
        {
            "id": 7,
            "data": {"text": TEXT},
            "annotations": [
                {
                    "id": 1,
                    "completed_by": 3,
                    "was_cancelled": False,
                    "result": [
                        {
                            "id": "a1",
                            "from_name": "label",
                            "to_name": "text",
                            "type": "labels",
                            "origin": "manual",
                            "value": {
                                "start": start_sold,
                                "end": end_sold,
                                "text": "sold me",
                                "labels": ["sale"],
                            },
                        },
                        {
                            "id": "a2",
                            "from_name": "codes",
                            "to_name": "text",
                            "type": "choices",
                            "value": {"choices": ["Sale", "abduction"]},
                        },
                    ],
                },
                {
                    "id": 2,
                    "completed_by": {"id": 4, "email": "bo@example.org"},
                    "was_cancelled": True,
                    "result": [],
                },
            ],
            "predictions": [],
        }
    ]


def test_read_labelstudio_export(tmp_path: Path, book) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(_ls_export(5, 12)))
    texts, df = read_labelstudio(path, codebook=book)
    assert texts == {"task-7": TEXT}
    span = df[df.start.notna()].iloc[0]
    assert (span.coder, span.code, TEXT[span.start : span.end]) == (
        "labelstudio-user-3",
        "sale",
        "sold me",
    )
    assert sorted(df[df.start.isna()].code) == ["abduction", "sale"]


def test_read_labelstudio_utf16_offsets(tmp_path: Path, book) -> None:
    # Older Label Studio counted JavaScript (UTF-16) units; region text reveals it.
    path = tmp_path / "export.json"
    data = _ls_export(5, 12)
    kid = TEXT.index("kidnapped")
    data[0]["annotations"][0]["result"].append(
        {
            "id": "a3",
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "value": {
                "start": kid + 1,
                "end": kid + 10,
                "text": "kidnapped",
                "labels": ["abduction"],
            },
        }
    )
    path.write_text(json.dumps(data))
    _texts, df = read_labelstudio(path, codebook=book)
    spans = df[df.start.notna()]
    assert {TEXT[r.start : r.end] for r in spans.itertuples()} == {"sold me", "kidnapped"}


def test_read_doccano_export(tmp_path: Path, book) -> None:
    # doccano sequence-labeling export: one file per user, "label": [[start, end, label]].
    path = tmp_path / "admin.jsonl"
    lines = [
        {"id": 1, "text": TEXT, "label": [[5, 12, "sale"], [32, 41, "Abduction"]], "Comments": []},
        {"id": 2, "text": "Nothing here.", "label": []},
        {
            "id": 3,
            "text": "A relation project.",
            "entities": [{"id": 9, "label": "sale", "start_offset": 2, "end_offset": 10}],
            "relations": [],
        },
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines))
    texts, df = read_doccano(path, codebook=book)
    assert set(texts) == {"1", "2", "3"}
    got = {(r.doc_id, r.code, texts[r.doc_id][r.start : r.end]) for r in df.itertuples()}
    assert got == {
        ("1", "sale", "sold me"),
        ("1", "abduction", "kidnapped"),
        ("3", "sale", "relation"),
    }
    assert set(df.coder) == {"admin"}


def test_unknown_labels_listed(tmp_path: Path, book) -> None:
    path = tmp_path / "u.jsonl"
    path.write_text(json.dumps({"text": TEXT, "label": [[5, 12, "PERSON"], [0, 4, "ORG"]]}))
    with pytest.raises(CodebookError, match=r"2 code.*'ORG'.*'PERSON'"):
        read_doccano(path, codebook=book)


def test_export_round_trip(tmp_path: Path, book) -> None:
    runner = CliRunner()
    coded = tmp_path / "coded.jsonl"
    assert (
        runner.invoke(app, ["code", str(SAMPLES), "--out", str(coded), "--rules-only"]).exit_code
        == 0
    )
    records = {r["id"]: r for r in map(json.loads, coded.read_text().splitlines())}
    for fmt, name in (("labelstudio", "tasks.json"), ("doccano", "pre.jsonl")):
        out = tmp_path / name
        result = runner.invoke(
            app, ["export", str(coded), "--texts", str(SAMPLES), "--to", fmt, "--out", str(out)]
        )
        assert result.exit_code == 0, result.output
    tasks = json.loads((tmp_path / "tasks.json").read_text())
    assert {"data", "predictions"} <= set(tasks[0])
    region = tasks[0]["predictions"][0]["result"][0]
    assert {"from_name", "to_name", "type", "value"} <= set(region)
    texts, df = read_labelstudio(tmp_path / "tasks.json", codebook=book, include_predictions=True)
    dtexts, ddf = read_doccano(tmp_path / "pre.jsonl", codebook=book)
    assert texts == dtexts
    for doc_id, rec in records.items():
        want = sorted(
            (e["code"], e["start"], e["end"]) for e in rec["evidence"] if e["status"] == "asserted"
        )
        for frame in (df, ddf):
            spans = frame[(frame.doc_id == doc_id) & frame.start.notna()]
            assert sorted((r.code, r.start, r.end) for r in spans.itertuples()) == want
    assert '<Label value="sale.broker"' in labelstudio_config(book)


def test_read_labelstudio_json_min_and_predictions_only(tmp_path: Path, book) -> None:
    # Label Studio "JSON-MIN" export: one flat record per annotation.
    path = tmp_path / "min.json"
    path.write_text(
        json.dumps(
            [
                {
                    "id": 1,
                    "text": TEXT,
                    "doc_id": "t1",
                    "annotator": "ana@example.org",
                    "annotation_id": 5,
                    "label": [{"start": 5, "end": 12, "text": "sold me", "labels": ["sale"]}],
                    "codes": {"choices": ["sale", "abduction"]},
                }
            ]
        )
    )
    texts, df = read_labelstudio(path, codebook=book)
    assert list(texts) == ["t1"] and set(df.coder) == {"ana@example.org"}
    assert sorted(df.code) == ["abduction", "sale", "sale"]
    pre = tmp_path / "pre.json"
    pre.write_text(
        json.dumps(
            [
                {
                    "data": {"text": TEXT},
                    "predictions": [
                        {
                            "result": [
                                {
                                    "type": "labels",
                                    "value": {"start": 5, "end": 12, "labels": ["sale"]},
                                }
                            ]
                        }
                    ],
                }
            ]
        )
    )
    with pytest.raises(InputError, match="no annotations"):
        read_labelstudio(pre, codebook=book)
