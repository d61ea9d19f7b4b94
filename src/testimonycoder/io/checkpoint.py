"""Resumable output: a partial file plus a checkpoint, finished by an atomic rename.

While ``code`` runs, codings are appended to ``.<name>.partial`` next to the output, and after each
batch ``.<name>.checkpoint.json`` records how many documents are done and how many bytes of the
partial file they fill. ``--resume`` truncates the partial file to that size, skips the documents
already done, and appends the rest, so the final output is identical to an uninterrupted run. The
real output path only appears, atomically, when the run completes.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from testimonycoder.errors import OutputError
from testimonycoder.io.atomic import PRIVATE_MODE, SHARED_MODE


@dataclass
class Checkpoint:
    partial: Path
    state: Path
    done: int = 0
    size: int = 0
    fingerprint: str = ""

    @classmethod
    def for_output(cls, out: Path, fingerprint: str) -> Checkpoint:
        parent = out.parent
        return cls(
            partial=parent / f".{out.name}.partial",
            state=parent / f".{out.name}.checkpoint.json",
            fingerprint=fingerprint,
        )

    def load(self) -> None:
        """Read the saved state for ``--resume``; a missing checkpoint means start from zero."""
        if not self.state.exists() or not self.partial.exists():
            self.done, self.size = 0, 0
            return
        try:
            saved = json.loads(self.state.read_text(encoding="utf-8"))
            done, size, fingerprint = int(saved["done"]), int(saved["size"]), saved["fingerprint"]
        except (ValueError, KeyError, TypeError) as exc:
            raise OutputError(
                f"{self.state}: unreadable checkpoint ({exc}); run without --resume"
            ) from None
        if fingerprint != self.fingerprint:
            raise OutputError(
                f"{self.state}: the checkpoint was made with other inputs or options; "
                "run without --resume to start again"
            )
        if self.partial.stat().st_size < size:
            raise OutputError(f"{self.partial}: shorter than its checkpoint; run without --resume")
        with self.partial.open("r+b") as fh:
            fh.truncate(size)
        self.done, self.size = done, size

    def save(self, done: int, size: int) -> None:
        self.done, self.size = done, size
        tmp = self.state.with_suffix(".tmp")
        tmp.write_text(
            json.dumps({"done": done, "size": size, "fingerprint": self.fingerprint}),
            encoding="utf-8",
        )
        os.replace(tmp, self.state)

    def finish(self, out: Path, *, shared: bool) -> None:
        os.chmod(self.partial, SHARED_MODE if shared else PRIVATE_MODE)
        os.replace(self.partial, out)
        with contextlib.suppress(OSError):
            self.state.unlink()

    def discard(self) -> None:
        for path in (self.partial, self.state):
            with contextlib.suppress(OSError):
                path.unlink()
