"""``testimonycoder export`` and ``codebook export`` fail with one clear line, no traceback."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from testimonycoder.cli.main import app

runner = CliRunner()


def test_export_needs_the_coded_texts(tmp_path: Path) -> None:
    coded = tmp_path / "coded.jsonl"
    coded.write_text(json.dumps({"id": "x", "codes": [], "subcodes": [], "evidence": []}))
    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / "y.txt").write_text("Another document.")
    result = runner.invoke(
        app,
        [
            "export",
            str(coded),
            "--texts",
            str(texts),
            "--to",
            "doccano",
            "--out",
            str(tmp_path / "out.jsonl"),
        ],
    )
    assert result.exit_code == 1
    assert "no text in the --texts inputs" in result.output
    assert not (tmp_path / "out.jsonl").exists()


def test_export_rejects_unknown_format(tmp_path: Path) -> None:
    coded = tmp_path / "coded.jsonl"
    coded.write_text("{}")
    result = runner.invoke(
        app,
        [
            "export",
            str(coded),
            "--texts",
            str(coded),
            "--to",
            "prodigy",
            "--out",
            str(tmp_path / "o.json"),
        ],
    )
    assert result.exit_code == 2 and "labelstudio" in result.output


def test_codebook_export_formats(tmp_path: Path) -> None:
    for name, needle in (
        ("c.qdc", "urn:QDA-XML:codebook:1.0"),
        ("c.xml", '<Labels name="label"'),
        ("c.json", '"background_color"'),
    ):
        result = runner.invoke(app, ["codebook", "export", "--out", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        assert needle in (tmp_path / name).read_text()
    result = runner.invoke(app, ["codebook", "export", "--out", str(tmp_path / "c.txt")])
    assert result.exit_code == 2
