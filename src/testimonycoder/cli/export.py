"""``testimonycoder export CODED.jsonl --texts INPUT --to labelstudio|doccano --out FILE``"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from testimonycoder.cli._common import console, handle_errors
from testimonycoder.cli._options import (
    ForceOption,
    IdColumnOption,
    NetworkOption,
    SharedOption,
    TextColumnOption,
)


@handle_errors
def export(
    coded: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="Codings written by 'testimonycoder code --out X.jsonl'.",
        ),
    ],
    texts: Annotated[
        list[Path],
        typer.Option(
            "--texts",
            help="The inputs that were coded (.txt, folder, .jsonl/.csv/.parquet, datasets "
            "folder); repeat for several.",
        ),
    ],
    to: Annotated[str, typer.Option("--to", help="labelstudio or doccano.")],
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Label Studio tasks .json or doccano .jsonl to write."),
    ],
    status: Annotated[
        list[str] | None,
        typer.Option(help="Evidence statuses to export (repeat; default: asserted only)."),
    ] = None,
    id_column: IdColumnOption = "id",
    text_column: TextColumnOption = "text",
    force: ForceOption = False,
    shared_permissions: SharedOption = False,
    allow_network: NetworkOption = False,
) -> None:
    """Export codings as pre-annotations for Label Studio or doccano."""
    from testimonycoder.codebook import STATUSES
    from testimonycoder.io.annotation_tools import FORMATS, export_annotations
    from testimonycoder.offline import enforce_offline

    enforce_offline(allow_network=allow_network)
    if to not in FORMATS:
        raise typer.BadParameter(f"--to must be one of {', '.join(FORMATS)}")
    statuses = status or ["asserted"]
    unknown = [s for s in statuses if s not in STATUSES]
    if unknown:
        raise typer.BadParameter(f"unknown status {unknown[0]!r}; use {', '.join(STATUSES)}")
    n = export_annotations(
        coded,
        texts,
        out,
        to=to,
        statuses=statuses,
        id_column=id_column,
        text_column=text_column,
        force=force,
        shared=shared_permissions,
    )
    config = "config.xml" if to == "labelstudio" else "labels.json"
    console.print(
        f"wrote {n} documents to {out} for {to}; the matching labels: "
        f"'testimonycoder codebook export --out {config}'",
        highlight=False,
    )
