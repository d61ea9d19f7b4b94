"""``testimonycoder redact INPUT... --out OUTPUT [--mapping PRIVATE.json]``"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from testimonycoder.cli._common import console, handle_errors, warn
from testimonycoder.cli._options import ForceOption, IdColumnOption, TextColumnOption
from testimonycoder.redact_io import redact_to_file


@handle_errors
def redact(
    inputs: Annotated[
        list[Path], typer.Argument(help="A .txt file, a folder of .txt, .jsonl, .csv or .parquet.")
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Redacted output: .jsonl, or .txt for one document.")
    ],
    mapping: Annotated[
        Path | None,
        typer.Option(help="Private JSON file mapping placeholders to the originals (mode 0600)."),
    ] = None,
    id_column: IdColumnOption = "id",
    text_column: TextColumnOption = "text",
    force: ForceOption = False,
    shared_permissions: Annotated[
        bool, typer.Option(help="Make the redacted output readable by others (never the mapping).")
    ] = False,
) -> None:
    """Replace names, places, phone numbers, e-mails, dates of birth and ID numbers."""
    n_docs, n_replaced = redact_to_file(
        inputs,
        out,
        mapping=mapping,
        id_column=id_column,
        text_column=text_column,
        force=force,
        shared=shared_permissions,
        warn=warn,
    )
    where = f"; mapping -> {mapping} (keep it private)" if mapping else ""
    console.print(f"{n_docs} documents, {n_replaced} replacements -> {out}{where}", highlight=False)
