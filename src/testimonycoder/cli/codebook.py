"""``testimonycoder codebook validate|show|export|import``"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from testimonycoder.cli._common import console, handle_errors
from testimonycoder.cli._options import ForceOption
from testimonycoder.codebook import load_codebook

app = typer.Typer(help="Validate, show, export and import codebooks.", no_args_is_help=True)


@app.command("validate")
@handle_errors
def validate(path: Annotated[Path, typer.Argument(help="Codebook YAML to check.")]) -> None:
    """Check a codebook YAML; errors name their place, e.g. [codes -> 3 -> rules -> 0]."""
    book = load_codebook(path)
    n_rules = sum(len(c.rules) for c in book.codes)
    console.print(
        f"{path}: valid codebook '{book.name}' v{book.version} with {len(book.top_level)} codes, "
        f"{len(book.subcodes)} sub-codes and {n_rules} rules (hash {book.hash})",
        highlight=False,
    )


@app.command("show")
@handle_errors
def show(
    path: Annotated[Path | None, typer.Argument(help="Codebook YAML (default: bundled).")] = None,
) -> None:
    """Print the codes of a codebook as a table."""
    book = load_codebook(path)
    table = Table(title=f"{book.name} v{book.version} ({book.hash})", show_lines=True)
    table.add_column("code")
    table.add_column("name")
    table.add_column("definition", max_width=70)
    table.add_column("rules", justify="right")
    for code in book.codes:
        label = f"  {code.id}" if code.parent else code.id
        n = len(code.rules) + len(code.cues)
        table.add_row(f"[{code.colour}]■[/] {label}", code.name, code.definition, str(n))
    console.print(table)


_EXPORT_FORMATS = {".qdc": "refi", ".xml": "labelstudio", ".json": "doccano"}


@app.command("export")
@handle_errors
def export(
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="Output: .qdc (REFI-QDA codebook), .xml (Label Studio labeling config) or "
            ".json (doccano labels).",
        ),
    ],
    codebook: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Codebook YAML (default: bundled)."),
    ] = None,
    to: Annotated[
        str | None,
        typer.Option(help="refi, labelstudio or doccano (default: from the --out extension)."),
    ] = None,
    force: ForceOption = False,
) -> None:
    """Export the codebook for NVivo/ATLAS.ti/MAXQDA/QualCoder, Label Studio or doccano."""
    import orjson

    from testimonycoder.io.annotation_tools import doccano_labels, labelstudio_config
    from testimonycoder.io.atomic import write_bytes_atomic, write_text_atomic
    from testimonycoder.io.refi_export import write_codebook_qdc

    fmt = to or _EXPORT_FORMATS.get(out.suffix.lower())
    if fmt not in ("refi", "labelstudio", "doccano"):
        raise typer.BadParameter(
            "give --to refi|labelstudio|doccano, or an --out ending in .qdc, .xml or .json"
        )
    book = load_codebook(codebook)
    if fmt == "refi":
        write_codebook_qdc(out, book, force=force)
    elif fmt == "labelstudio":
        write_text_atomic(out, labelstudio_config(book), force=force, shared=True)
    else:
        data = orjson.dumps(doccano_labels(book), option=orjson.OPT_INDENT_2) + b"\n"
        write_bytes_atomic(out, data, force=force, shared=True)
    console.print(
        f"wrote {len(book.codes)} codes of '{book.name}' ({fmt}) to {out}", highlight=False
    )


@app.command("import")
@handle_errors
def import_(
    source: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, help="REFI-QDA codebook .qdc (or a .qdpx)."),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Codebook YAML to write.")],
    name: Annotated[
        str | None, typer.Option(help="Codebook name (default: from the file name).")
    ] = None,
    force: ForceOption = False,
) -> None:
    """Turn a REFI-QDA codebook into a codebook YAML skeleton (codes and definitions, no rules)."""
    from testimonycoder.io.refi_codebook import import_codebook

    n = import_codebook(source, out, name=name, force=force)
    console.print(
        f"wrote {n} codes to {out}; add rules to each code, then run "
        f"'testimonycoder codebook validate {out}'",
        highlight=False,
    )
