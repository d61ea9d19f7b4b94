"""``testimonycoder ingest REPORT.txt --out testimonies.jsonl``"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer

from testimonycoder.cli._common import console, handle_errors
from testimonycoder.cli._options import ForceOption, SharedOption
from testimonycoder.ingest import ingest_report
from testimonycoder.io.atomic import write_bytes_atomic


@handle_errors
def ingest(
    report: Annotated[Path, typer.Argument(help="A report turned into text (.txt).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output JSONL, one testimony a line.")],
    force: ForceOption = False,
    shared_permissions: SharedOption = False,
) -> None:
    """Split a published report into one record per testimony."""
    from testimonycoder.errors import InputError

    if not report.is_file():
        raise InputError(f"{report}: no such file")
    if out.suffix.lower() != ".jsonl":
        raise InputError(f"{out}: ingest writes JSON Lines; name the output '*.jsonl'")
    testimonies = ingest_report(report)
    data = b"".join(orjson.dumps(t.to_dict()) + b"\n" for t in testimonies)
    write_bytes_atomic(out, data, force=force, shared=shared_permissions)
    redacted = sum(t.hometown is None for t in testimonies)
    console.print(
        f"{len(testimonies)} testimonies ({redacted} with hometown redacted) -> {out}",
        highlight=False,
    )
