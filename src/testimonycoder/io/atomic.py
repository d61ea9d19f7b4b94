"""Safe output files: written to a temporary file, then atomically renamed into place.

An interrupted run (Ctrl-C, SIGTERM, a crash) therefore leaves either no output or the previous
one, never a truncated file. Output that holds testimony is created readable by the user only
(mode 0600) unless shared permissions are asked for. Overwriting needs ``force``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from testimonycoder.errors import OutputError

PRIVATE_MODE = 0o600
SHARED_MODE = 0o644


def check_output_path(path: Path, *, force: bool) -> None:
    """Fail early (before any work) if ``path`` cannot or may not be written."""
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.exists():
        raise OutputError(f"{path}: the folder '{parent}' does not exist; create it first")
    if not parent.is_dir():
        raise OutputError(f"{path}: '{parent}' is not a folder")
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give a file name")
    if path.exists() and not force:
        raise OutputError(f"{path}: already exists; pass --force to overwrite it")
    if not os.access(parent, os.W_OK):
        raise OutputError(f"{path}: the folder '{parent}' is not writable")


@contextlib.contextmanager
def atomic_path(path: Path, *, force: bool = False, shared: bool = False) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success it replaces ``path`` atomically."""
    check_output_path(path, force=force)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, SHARED_MODE if shared else PRIVATE_MODE)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_bytes_atomic(
    path: Path, data: bytes, *, force: bool = False, shared: bool = False
) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path, force=force, shared=shared) as tmp:
        tmp.write_bytes(data)


def write_text_atomic(path: Path, text: str, *, force: bool = False, shared: bool = False) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    write_bytes_atomic(path, text.encode("utf-8"), force=force, shared=shared)
