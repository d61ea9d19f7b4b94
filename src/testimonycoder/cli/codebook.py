"""``testimonycoder codebook validate|show|export|import``"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from testimonycoder.cli._common import console, handle_errors
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
