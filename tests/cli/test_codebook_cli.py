"""`testimonycoder codebook validate|show`."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from testimonycoder.cli.main import app

runner = CliRunner()


def test_validate_and_show(root: Path) -> None:
    result = runner.invoke(app, ["codebook", "validate", str(root / "configs/codebook.yaml")])
    assert result.exit_code == 0 and "valid codebook" in result.output
    result = runner.invoke(app, ["codebook", "show"])
    assert result.exit_code == 0 and "forced_marriage" in result.output


def test_validate_names_the_place(tmp_path: Path) -> None:
    path = tmp_path / "cb.yaml"
    path.write_text(
        "name: x\nversion: '1'\ncontext: {statuses: {}}\ncodes:\n"
        "  - {id: a, name: A, definition: d, rules: [{id: r, lema: sell}]}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["codebook", "validate", str(path)])
    assert result.exit_code == 1
    assert "[codes -> 0 -> rules -> 0] unknown key 'lema'" in result.output
    assert "Traceback" not in result.output
