"""Shared fixtures: the pipeline is built once per session (it takes about a second)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def nlp():  # type: ignore[no-untyped-def]
    from testimonycoder.pipeline import build_nlp

    return build_nlp()


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture()
def code_text(nlp):  # type: ignore[no-untyped-def]
    """Code one text with the rules; returns the Doc."""

    def _code(text: str):  # type: ignore[no-untyped-def]
        return nlp(text)

    return _code


REPO = ROOT
SRC = ROOT / "src"


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
    from testimonycoder import offline

    for name in offline.OFFLINE_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(offline, "_saved", {})  # forget values seen by earlier tests
    yield
