"""Helpers for tests that drive the CLI in-process."""

from __future__ import annotations

import importlib.util

from typer.main import get_command

from testimonycoder.cli.main import app


def registered(command: str) -> bool:
    """Whether ``testimonycoder COMMAND`` exists yet (train/audit/... are written elsewhere)."""
    return command in get_command(app).commands  # type: ignore[attr-defined]


def module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def qdpx_reader_exists() -> bool:
    """The REFI-QDA project reader is written by another branch; look for it under likely names."""
    names = ("refi_import", "refi_reader", "refi", "qdpx", "refi_read")
    return any(module_exists(f"testimonycoder.io.{n}") for n in names)
