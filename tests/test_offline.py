"""The offline guarantee: no module opens a network connection, and every command runs without one.

The commands run in-process with ``socket.socket`` and ``socket.create_connection`` replaced by
functions that raise, so any attempt to connect (by us or by a library we call) fails the test.
An AST scan checks that no module of testimonycoder imports a network library at all.
"""

from __future__ import annotations

import ast
import json
import os
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from testimonycoder.cli.main import app
from testimonycoder.offline import OFFLINE_VARS
from tests._cli_support import registered

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "testimonycoder"
# urllib.parse only manipulates strings (file URIs in REFI-QDA projects); it cannot connect.
NETWORK_MODULES = {
    "socket",
    "ssl",
    "requests",
    "httpx",
    "urllib3",
    "aiohttp",
    "http",
    "ftplib",
    "smtplib",
    "websocket",
    "websockets",
    "paramiko",
    "telnetlib",
    "xmlrpc",
}
ALLOWED = {"urllib.parse"}

runner = CliRunner()


class NetworkUsed(AssertionError):
    pass


def _refuse(*args: object, **kwargs: object) -> None:
    raise NetworkUsed(f"network access attempted: {args!r}")


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch, offline_env: None) -> None:
    monkeypatch.setattr(socket, "socket", _refuse)
    monkeypatch.setattr(socket, "create_connection", _refuse)
    monkeypatch.setattr(socket, "getaddrinfo", _refuse)


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_module_imports_a_network_library() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for name in _imports(path):
            top = name.split(".")[0]
            banned = top in NETWORK_MODULES or (
                top == "urllib" and name not in ALLOWED and not name.startswith("urllib.parse")
            )
            if banned:
                offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert not offenders, offenders


def test_the_network_guard_works(no_network: None) -> None:
    with pytest.raises(NetworkUsed):
        socket.create_connection(("example.org", 80))


def _run(args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert not isinstance(result.exception, NetworkUsed), result.exception
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)


def _gold(tmp: Path, n: int = 40) -> Path:
    lines = (ROOT / "corpus" / "train.jsonl").read_text(encoding="utf-8").splitlines()[:n]
    path = tmp / "gold.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_code_ingest_codebook_offline(no_network: None, tmp_path: Path) -> None:
    samples = ROOT / "corpus" / "samples"
    _run(["code", str(samples), "--out", str(tmp_path / "coded.jsonl"), "--rules-only"])
    _run(["code", str(_gold(tmp_path)), "--out", str(tmp_path / "coded.csv")])
    _run(["ingest", str(samples / "report_excerpt.txt"), "--out", str(tmp_path / "t.jsonl")])
    _run(["codebook", "validate", str(ROOT / "configs" / "codebook.yaml")])
    _run(["codebook", "show"])
    for name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):
        assert os.environ.get(name) == "1"


def test_datasets_folder_is_read_offline(no_network: None, tmp_path: Path) -> None:
    from datasets import Dataset

    Dataset.from_list([{"id": "a", "text": "A broker sold me."}]).save_to_disk(tmp_path / "ds")
    _run(["code", str(tmp_path / "ds"), "--out", str(tmp_path / "coded.jsonl"), "--rules-only"])
    assert json.loads((tmp_path / "coded.jsonl").read_text())["codes"] == ["sale"]


@pytest.mark.skipif(not registered("train"), reason="train is not registered yet")
def test_train_and_evaluate_offline(no_network: None, tmp_path: Path) -> None:
    gold = _gold(tmp_path)
    _run(["train", str(gold), "--out", str(tmp_path / "model"), "--folds", "2"])
    if registered("evaluate"):
        _run(["evaluate", str(gold), "--model", str(tmp_path / "model")])
    _run(
        ["code", str(gold), "--out", str(tmp_path / "c.jsonl"), "--model", str(tmp_path / "model")]
    )


@pytest.mark.skipif(not registered("audit"), reason="audit is not registered yet")
def test_audit_offline(no_network: None, tmp_path: Path) -> None:
    rows = ["doc_id,coder,code"]
    for i in range(12):
        rows.append(f"d{i},kim,sale")
        rows.append(f"d{i},lee,{'sale' if i % 3 else 'coercion'}")
    (tmp_path / "ann.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    _run(["audit", str(tmp_path / "ann.csv"), "--out", str(tmp_path / "audit")])
    assert (tmp_path / "audit" / "agreement.csv").exists()


@pytest.mark.skipif(not registered("report"), reason="report is not registered yet")
def test_report_offline(no_network: None, tmp_path: Path) -> None:
    coded = tmp_path / "coded.jsonl"
    _run(["code", str(ROOT / "corpus" / "samples"), "--out", str(coded), "--rules-only"])
    _run(["report", str(coded), "--out", str(tmp_path / "report.html")])
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    # XML namespace names (xmlns="http://www.w3.org/2000/svg") are identifiers, not fetched.
    stripped = html.replace("http://www.w3.org", "").replace("https://www.w3.org", "")
    assert "http://" not in stripped and "https://" not in stripped


def test_allow_network_lifts_the_offline_switches(offline_env: None, tmp_path: Path) -> None:
    _run(["codebook", "validate", str(ROOT / "configs" / "codebook.yaml")])
    assert all(os.environ.get(v) == "1" for v in OFFLINE_VARS)
    samples = ROOT / "corpus" / "samples" / "casenote_01.txt"
    _run(
        [
            "code",
            str(samples),
            "--out",
            str(tmp_path / "c.jsonl"),
            "--rules-only",
            "--allow-network",
        ]
    )
    assert all(v not in os.environ for v in OFFLINE_VARS)
