"""``testimonycoder code INPUT... --out PATH``"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from testimonycoder.batch import Summary, code_to_file
from testimonycoder.cli._common import console, handle_errors, warn
from testimonycoder.cli._options import (
    ForceOption,
    IdColumnOption,
    NetworkOption,
    SharedOption,
    TextColumnOption,
)


@handle_errors
def code(
    inputs: Annotated[
        list[Path],
        typer.Argument(
            help="A .txt file, a folder of .txt files, .jsonl/.csv/.parquet, or a datasets folder."
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output: .jsonl, .csv, .parquet or .qdpx.")
    ],
    codebook: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Codebook YAML (default: bundled)."),
    ] = None,
    model: Annotated[
        Path | None,
        typer.Option(exists=True, file_okay=False, help="Model folder (default: bundled model)."),
    ] = None,
    rules_only: Annotated[
        bool, typer.Option(help="Use the codebook rules only, no model.")
    ] = False,
    review_recall: Annotated[
        float | None,
        typer.Option(
            help="Size the review queue to hold this share of the errors, as measured in "
            "training (0.5-0.9; default: the model's own, 0.7 for the bundled model)."
        ),
    ] = None,
    id_column: IdColumnOption = "id",
    text_column: TextColumnOption = "text",
    skip_bad_lines: Annotated[
        bool, typer.Option(help="Skip malformed JSONL lines with a warning.")
    ] = False,
    batch_size: Annotated[int, typer.Option(min=1, help="Documents per batch.")] = 64,
    n_process: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    engine: Annotated[str, typer.Option(help="'local' or 'dask'.")] = "local",
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address (default: a LocalCluster).")
    ] = None,
    resume: Annotated[bool, typer.Option(help="Continue an interrupted run.")] = False,
    force: ForceOption = False,
    shared_permissions: SharedOption = False,
    redact: Annotated[
        bool, typer.Option(help="Replace names, places and contact details before coding.")
    ] = False,
    allow_network: NetworkOption = False,
) -> None:
    """Code testimonies and write codes, scores and evidence."""
    from testimonycoder.offline import enforce_offline

    enforce_offline(allow_network=allow_network)
    if engine not in ("local", "dask"):
        raise typer.BadParameter("--engine must be 'local' or 'dask'")
    with Progress(
        TextColumn("coding"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("coding", total=None)
        summary = code_to_file(
            inputs,
            out,
            codebook_path=codebook,
            model_dir=model,
            use_model=not rules_only,
            review_recall=review_recall,
            id_column=id_column,
            text_column=text_column,
            skip_bad_lines=skip_bad_lines,
            batch_size=batch_size,
            n_process=n_process,
            engine=engine,
            scheduler=scheduler,
            resume=resume,
            force=force,
            shared_permissions=shared_permissions,
            redact=redact,
            warn=warn,
            progress=lambda n: bar.update(task, completed=n),
        )
    _print_summary(summary)


def _print_summary(summary: Summary) -> None:
    table = Table(title=f"Coded {summary.documents} documents -> {summary.out}")
    table.add_column("code")
    table.add_column("documents", justify="right")
    table.add_column("share", justify="right")
    n = max(summary.documents, 1)
    for code, count in sorted(summary.codes.items(), key=lambda kv: (-kv[1], kv[0])):
        table.add_row(code, str(count), f"{100 * count / n:.0f}%")
    for code, count in sorted(summary.subcodes.items()):
        table.add_row(f"  {code}", str(count), f"{100 * count / n:.0f}%")
    table.add_row("needs review", str(summary.review), f"{100 * summary.review / n:.0f}%")
    console.print(table)
    console.print(f"codebook {summary.codebook}")
