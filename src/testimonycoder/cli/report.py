"""``testimonycoder report CODED.jsonl --out report.html [--tables DIR] [--redact]``"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from testimonycoder.cli._common import console, handle_errors
from testimonycoder.cli._options import ForceOption, SharedOption


@handle_errors
def report(
    coded: Annotated[
        list[Path],
        typer.Argument(
            exists=True, dir_okay=False, help="Coded .jsonl file(s) from 'testimonycoder code'."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="The HTML report to write.")],
    tables: Annotated[
        Path | None,
        typer.Option(file_okay=False, help="Also write every table as CSV into this folder."),
    ] = None,
    codebook: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Codebook for names and colours."),
    ] = None,
    redact: Annotated[
        bool, typer.Option(help="Redact names, places and contact details in every snippet.")
    ] = False,
    force: ForceOption = False,
    shared_permissions: SharedOption = False,
) -> None:
    """Write a corpus report: prevalence, pathways, times sold, ages, prices, places."""
    from testimonycoder.io.atomic import check_output_path, write_text_atomic
    from testimonycoder.report import build_report, write_tables
    from testimonycoder.report_html import render_html

    if out.suffix.lower() not in (".html", ".htm"):
        raise typer.BadParameter("--out must be an .html file")
    check_output_path(out, force=force)
    redactor = None
    if redact:
        from testimonycoder.redaction import redact_function

        redactor = redact_function()
    result = build_report(coded, codebook_path=codebook, redact=redactor)
    if tables is not None:
        written = write_tables(result, tables, force=force)
        console.print(f"wrote {len(written)} CSV tables to {tables}")
    write_text_atomic(out, render_html(result), force=force, shared=shared_permissions)
    console.print(
        f"report on {result.documents} documents -> {out}"
        + (" (snippets redacted)" if redact else "")
    )
