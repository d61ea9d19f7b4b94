"""`testimonycoder train --label-errors`: the training labels its own cross-validation doubts."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from testimonycoder.cli.main import app

runner = CliRunner()


def _gold(root: Path, n: int, flip: set[int]) -> list[dict]:
    """The first ``n`` validation documents; ``sale`` is toggled on the ones in ``flip``."""
    out = []
    lines = (root / "corpus/validation.jsonl").read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines[:n]):
        record = json.loads(line)
        codes = list(record["codes"])
        if i in flip:
            codes = [c for c in codes if c != "sale"] if "sale" in codes else [*codes, "sale"]
        out.append({"id": record["id"], "text": record["text"], "codes": codes})
    return out


def test_label_errors_lists_doubted_training_labels(tmp_path: Path, root: Path) -> None:
    records = _gold(root, 120, flip={3, 17, 42, 77})
    data = tmp_path / "gold.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "model"
    result = runner.invoke(app, ["train", str(data), "--out", str(out), "--label-errors"])
    assert result.exit_code == 0, result.output
    with (out / "likely_label_errors.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows, "120 documents with planted errors should give some flags"
    assert list(rows[0]) == [
        "rank",
        "doc_id",
        "code",
        "given_label",
        "oof_probability",
        "label_quality",
    ]
    assert f"{len(rows)} likely label errors written to" in result.output
    labels = {r["id"]: set(r["codes"]) for r in records}
    for row in rows:  # every flag is a label of the training data as given
        assert int(row["given_label"]) == int(row["code"] in labels[row["doc_id"]])
    assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1))
    quality = [float(r["label_quality"]) for r in rows]
    assert quality == sorted(quality)  # most likely wrong first


def test_without_the_option_no_list_is_written(tmp_path: Path, root: Path) -> None:
    data = tmp_path / "gold.jsonl"
    data.write_text(
        "".join(json.dumps(r) + "\n" for r in _gold(root, 40, flip=set())), encoding="utf-8"
    )
    result = runner.invoke(app, ["train", str(data), "--out", str(tmp_path / "m")])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "m" / "likely_label_errors.csv").exists()
