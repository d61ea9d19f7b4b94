"""`testimonycoder ingest`."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from testimonycoder.cli.main import app

runner = CliRunner()


def test_ingest_sample(root: Path, tmp_path: Path) -> None:
    out = tmp_path / "t.jsonl"
    result = runner.invoke(
        app, ["ingest", str(root / "corpus/samples/report_excerpt.txt"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 11
    assert set(records[0]) == {"id", "speaker", "hometown", "text", "start", "end"}


def test_ingest_wrong_extension(root: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "ingest",
            str(root / "corpus/samples/report_excerpt.txt"),
            "--out",
            str(tmp_path / "x.csv"),
        ],
    )
    assert result.exit_code == 1 and "jsonl" in result.output
