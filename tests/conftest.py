"""Shared fixtures: tiny corpora and codebooks built in tmp_path."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"


@pytest.fixture
def subprocess_env() -> dict[str, str]:
    """Environment for running ``python -m testimonycoder`` from this checkout's sources."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["COLUMNS"] = "200"
    return env


@pytest.fixture
def offline_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Let a test change the Hugging Face offline variables and get them restored afterwards."""
    from testimonycoder.offline import OFFLINE_VARS

    for name in OFFLINE_VARS:
        monkeypatch.delenv(name, raising=False)
    yield
