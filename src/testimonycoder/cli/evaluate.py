"""``testimonycoder evaluate DATA [--model DIR]``"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from testimonycoder.cli._common import console, handle_errors
from testimonycoder.cli._options import NetworkOption
from testimonycoder.cli.train import intervals_table, metrics_table
from testimonycoder.io.code_map import load_code_map


def groups_table(by: dict[str, Any]) -> Table:
    """Micro-F1 with its interval and the lowest κ for each value of the ``--by`` field."""
    from testimonycoder.intervals import format_interval

    table = Table(title=f"by {by['field']} (hybrid decision)")
    for col in (by["field"], "documents", "micro-F1", "95% CI", "lowest κ"):
        table.add_column(col, justify="left" if col == by["field"] else "right")
    for value, m in by["groups"].items():
        ci = m["intervals"]
        lowest = min(m["codes"], key=lambda code: m["codes"][code]["kappa"])
        table.add_row(
            value,
            str(m["n_documents"]),
            f"{m['micro_f1']:.3f}",
            format_interval(ci["micro_f1"]) if ci else "—",
            f"{m['min_kappa']:.3f} ({lowest})",
        )
    return table


@handle_errors
def evaluate(
    data: Annotated[Path, typer.Argument(help="Gold data (a corpus folder uses its test split).")],
    model: Annotated[
        Path | None,
        typer.Option(exists=True, file_okay=False, help="Model folder (default: bundled)."),
    ] = None,
    rules_only: Annotated[bool, typer.Option(help="Evaluate the codebook rules alone.")] = False,
    codebook: Annotated[Path | None, typer.Option(exists=True, dir_okay=False)] = None,
    split: Annotated[list[str] | None, typer.Option(help="Corpus splits to evaluate.")] = None,
    code_map: Annotated[Path | None, typer.Option(exists=True, dir_okay=False)] = None,
    out: Annotated[Path | None, typer.Option(help="Write metrics and errors as JSON.")] = None,
    show_errors: Annotated[int, typer.Option(help="How many errors to list.")] = 20,
    by: Annotated[
        str | None,
        typer.Option(
            help="Also score each value of this field of the data (e.g. interviewer, genre)."
        ),
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite --out.")] = False,
    allow_network: NetworkOption = False,
) -> None:
    """Score a model against gold labels: metrics, confusion summary and the errors."""
    from testimonycoder.io.atomic import write_text_atomic
    from testimonycoder.offline import enforce_offline
    from testimonycoder.trainer import evaluate_data

    enforce_offline(allow_network=allow_network)
    result = evaluate_data(
        data,
        model_dir=model,
        rules_only=rules_only,
        codebook_path=codebook,
        split=split,
        code_map=load_code_map(code_map),
        by=by,
    )
    console.print(metrics_table(f"{data} — {result['model']} (hybrid decision)", result["hybrid"]))
    if result["hybrid"].get("intervals"):
        console.print(intervals_table(result["hybrid"]["intervals"]))
    if "by" in result:
        console.print(groups_table(result["by"]))
    confusion = Table(title="confusion summary")
    for col in ("code", "TP", "FP", "FN", "TN"):
        confusion.add_column(col, justify="left" if col == "code" else "right")
    for code, c in result["confusion"].items():
        confusion.add_row(code, str(c["tp"]), str(c["fp"]), str(c["fn"]), str(c["tn"]))
    console.print(confusion)
    errors = Table(title=f"errors ({len(result['errors'])}, first {show_errors})")
    for col in ("document", "code", "error", "score", "evidence"):
        errors.add_column(col)
    for e in result["errors"][:show_errors]:
        ev = "; ".join(
            f"{x['text'][:50]} ({x['status']}, {x['source']})" for x in e["evidence"][:2]
        )
        errors.add_row(e["id"], e["code"], e["error"], f"{e['score']:.2f}", ev or "—")
    console.print(errors)
    if out is not None:
        write_text_atomic(out, json.dumps(result, indent=2) + "\n", force=force)
        console.print(f"metrics and errors written to {out}", highlight=False)
