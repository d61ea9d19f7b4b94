"""Safe files: outputs are private (0600) unless shared; YAML never constructs Python objects."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from testimonycoder.cli.main import app
from testimonycoder.codebook import SAFE_LOADER, load_codebook
from testimonycoder.errors import CodebookError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "corpus" / "samples" / "casenote_01.txt"
runner = CliRunner()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
@pytest.mark.parametrize(("shared", "mode"), [(False, 0o600), (True, 0o644)])
def test_code_output_mode(tmp_path: Path, suffix: str, shared: bool, mode: int) -> None:
    out = tmp_path / f"coded{suffix}"
    args = ["code", str(SAMPLE), "--out", str(out), "--rules-only"]
    result = runner.invoke(app, args + (["--shared-permissions"] if shared else []))
    assert result.exit_code == 0, result.stderr
    assert _mode(out) == mode


@pytest.mark.parametrize(("shared", "mode"), [(False, 0o600), (True, 0o644)])
def test_ingest_output_mode(tmp_path: Path, shared: bool, mode: int) -> None:
    out = tmp_path / "t.jsonl"
    report = ROOT / "corpus" / "samples" / "report_excerpt.txt"
    args = ["ingest", str(report), "--out", str(out)]
    result = runner.invoke(app, args + (["--shared-permissions"] if shared else []))
    assert result.exit_code == 0, result.stderr
    assert _mode(out) == mode


def test_overwriting_needs_force(tmp_path: Path) -> None:
    out = tmp_path / "coded.jsonl"
    out.write_text("previous\n")
    args = ["code", str(SAMPLE), "--out", str(out), "--rules-only"]
    assert runner.invoke(app, args).exit_code == 1
    assert out.read_text() == "previous\n"
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0
    assert out.read_text() != "previous\n"


@pytest.mark.parametrize(
    "payload",
    [
        "!!python/object/apply:os.system ['touch {sentinel}']",
        "!!python/object/new:subprocess.Popen [['touch', '{sentinel}']]",
        "!!python/name:os.system",
    ],
)
def test_yaml_python_tags_are_refused(tmp_path: Path, payload: str) -> None:
    sentinel = tmp_path / "pwned"
    path = tmp_path / "codebook.yaml"
    path.write_text(f"name: {payload.format(sentinel=sentinel)}\nversion: '1'\n")
    with pytest.raises(CodebookError, match=r"codebook\.yaml"):
        load_codebook(path)
    assert not sentinel.exists()


def test_no_unsafe_yaml_or_pickle_in_the_package() -> None:
    assert SAFE_LOADER in (getattr(yaml, "CSafeLoader", yaml.SafeLoader), yaml.SafeLoader)
    for path in (ROOT / "src" / "testimonycoder").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        # yaml.load only with the safe loader (libyaml's CSafeLoader or PyYAML's SafeLoader).
        assert not re.search(r"yaml\.load\((?![^)]*Loader=SAFE_LOADER\))", source), path
        assert "yaml.unsafe_load" not in source and "yaml.full_load" not in source, path
        assert "import pickle" not in source, path
        # joblib may run fits in parallel (model.py), but never save or load anything: its
        # files are pickles.
        assert not re.search(
            r"joblib\.(load|dump)\b|from joblib import[^\n]*\b(load|dump)\b", source
        ), path
