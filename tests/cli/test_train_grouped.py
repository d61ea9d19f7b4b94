"""`testimonycoder train --group-by`: cross-validation that keeps a group's documents together."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from typer.testing import CliRunner

from testimonycoder.cli.main import app

runner = CliRunner()


def _by_source(root: Path, per_source: int, sources: int) -> list[dict]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for line in (root / "corpus/train.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if len(groups[record["source"]]) < per_source:
            groups[record["source"]].append(record)
    return [r for source in sorted(groups)[:sources] for r in groups[source]]


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_group_by_trains_and_records_it(tmp_path: Path, root: Path) -> None:
    data = _write(tmp_path / "gold.jsonl", _by_source(root, per_source=12, sources=3))
    out = tmp_path / "model"
    result = runner.invoke(
        app, ["train", str(data), "--out", str(out), "--group-by", "source", "--folds", "5"]
    )
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["grouped"] is True
    assert metrics["folds"] == 3  # capped by the number of groups
    assert "grouped by `source`" in (out / "model-card.md").read_text()
    spread = metrics["hybrid_by_group"]
    assert spread["groups"] == 3
    f = spread["micro_f1"]
    assert 0.0 <= f["min"] <= f["p10"] <= f["median"] <= f["p90"] <= f["max"] <= 1.0
    assert "Over the 3 groups (`source`)" in (out / "model-card.md").read_text()
    assert "synthetic:" not in json.dumps(spread)  # group names are not kept


def test_group_by_a_missing_field_names_the_document(tmp_path: Path, root: Path) -> None:
    records = _by_source(root, per_source=4, sources=2)
    del records[3]["source"]
    data = _write(tmp_path / "gold.jsonl", records)
    result = runner.invoke(
        app, ["train", str(data), "--out", str(tmp_path / "m"), "--group-by", "source"]
    )
    assert result.exit_code == 1
    assert f"document '{records[3]['id']}': no 'source' field" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "m").exists()


def test_group_by_a_single_group_is_refused(tmp_path: Path, root: Path) -> None:
    data = _write(tmp_path / "gold.jsonl", _by_source(root, per_source=10, sources=1))
    result = runner.invoke(
        app, ["train", str(data), "--out", str(tmp_path / "m"), "--group-by", "source"]
    )
    assert result.exit_code == 1
    assert "needs at least 2 groups" in result.output
    assert not (tmp_path / "m").exists()
