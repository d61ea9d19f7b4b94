"""An interrupted ``code`` run never leaves a truncated output, and ``--resume`` finishes it.

``python -m testimonycoder code`` runs in a subprocess on a generated corpus that takes a few
seconds; once a checkpoint shows it is part-way, it gets SIGINT or SIGTERM. Afterwards the output
path holds either nothing or the previous file, byte for byte, and ``--resume`` produces exactly
the bytes of an uninterrupted run.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

N_DOCS = 800
SENTENCES = [
    "A broker promised me a job in a restaurant in China, but it was a trick.",
    "They sold me to a farmer for 30,000 yuan and I was forced to marry him.",
    "The police did not help; an official sold me back to the broker.",
    "I refused to work in the karaoke bar, and he threatened to report me.",
    "My aunt said there was good money in Shenyang.",
    "I was made to chat with men on a webcam every night.",
    "Nobody abducted me; I crossed the river with my cousin.",
]


def _corpus(path: Path) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(N_DOCS):
            text = " ".join(SENTENCES[(i + k) % len(SENTENCES)] for k in range(6))
            fh.write(json.dumps({"id": f"doc-{i:05d}", "text": f"Interview {i}.\n{text}"}) + "\n")
    return path


def _cmd(corpus: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "testimonycoder",
        "code",
        str(corpus),
        "--out",
        str(out),
        "--rules-only",
        "--batch-size",
        "4",
        *extra,
    ]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _corpus(tmp_path_factory.mktemp("corpus") / "corpus.jsonl")


@pytest.fixture(scope="module")
def reference(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Uninterrupted outputs, per format."""
    import os

    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
    out_dir = tmp_path_factory.mktemp("reference")
    refs = {}
    for suffix in (".jsonl", ".csv"):
        out = out_dir / f"ref{suffix}"
        subprocess.run(_cmd(corpus, out), check=True, env=env, capture_output=True)
        refs[suffix] = out.read_bytes()
    return refs


def _default_sigint() -> None:
    # A job started in the background by a non-interactive shell (`cmd &`, as some CI runners
    # and `nohup` do) inherits SIGINT as ignored, and Python then installs no KeyboardInterrupt
    # handler: the child would code on to the end. A terminal's Ctrl-C never meets that case.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _run_and_interrupt(
    cmd: list[str], checkpoint: Path, sig: int, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.Popen(
        cmd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )
    deadline = time.monotonic() + 60
    # Wait until at least a few batches are checkpointed, so the run is really part-way.
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if json.loads(checkpoint.read_text())["done"] >= 40:
                break
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.02)
    assert proc.poll() is None, "the run finished before it could be interrupted"
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)


@pytest.mark.parametrize(
    ("sig", "suffix", "previous"),
    [
        (signal.SIGINT, ".jsonl", True),
        (signal.SIGTERM, ".jsonl", True),
        (signal.SIGINT, ".csv", False),
        (signal.SIGTERM, ".csv", False),
    ],
    ids=["sigint-jsonl-previous", "sigterm-jsonl-previous", "sigint-csv-new", "sigterm-csv-new"],
)
def test_interrupt_then_resume(
    corpus: Path,
    reference: dict[str, bytes],
    tmp_path: Path,
    subprocess_env: dict[str, str],
    sig: int,
    suffix: str,
    previous: bool,
) -> None:
    out = tmp_path / f"coded{suffix}"
    checkpoint = tmp_path / f".{out.name}.checkpoint.json"
    old = b'{"id": "previous run"}\n'
    if previous:
        out.write_bytes(old)

    result = _run_and_interrupt(_cmd(corpus, out, "--force"), checkpoint, sig, subprocess_env)

    assert result.returncode == 130, result.stderr
    assert "Traceback" not in result.stderr
    assert "interrupted" in result.stderr
    if previous:
        assert out.read_bytes() == old  # the previous output, untouched
    else:
        assert not out.exists()  # no output at all, never a truncated one
    # Only the hidden partial file and its checkpoint remain, for --resume.
    leftovers = {p.name for p in tmp_path.iterdir()} - {out.name}
    assert leftovers <= {f".{out.name}.partial", checkpoint.name, f".{out.name}.checkpoint.tmp"}
    done = json.loads(checkpoint.read_text())["done"]
    assert 0 < done < N_DOCS

    resumed = subprocess.run(
        _cmd(corpus, out, "--resume", "--force"),
        env=subprocess_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert out.read_bytes() == reference[suffix]
    assert {p.name for p in tmp_path.iterdir()} == {out.name}  # partial + checkpoint cleaned up
    assert f"Coded {N_DOCS} documents" in resumed.stdout


def test_resume_without_force_keeps_existing_output(
    corpus: Path, tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    out = tmp_path / "coded.jsonl"
    out.write_bytes(b"keep me\n")
    result = subprocess.run(
        _cmd(corpus, out), env=subprocess_env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "--force" in result.stderr and "Traceback" not in result.stderr
    assert out.read_bytes() == b"keep me\n"
