"""``testimonycoder train DATA --out DIR``"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from testimonycoder.cli._common import console, handle_errors, warn
from testimonycoder.cli._options import NetworkOption
from testimonycoder.io.code_map import load_code_map


def metrics_table(title: str, metrics: dict[str, Any]) -> Table:
    table = Table(title=title)
    for col in ("code", "precision", "recall", "F1", "κ", "support"):
        table.add_column(col, justify="left" if col == "code" else "right")
    for code, m in metrics["codes"].items():
        table.add_row(
            code,
            f"{m['precision']:.3f}",
            f"{m['recall']:.3f}",
            f"{m['f1']:.3f}",
            f"{m['kappa']:.3f}",
            str(m["support"]),
        )
    table.add_row("micro-F1", "", "", f"{metrics['micro_f1']:.3f}", "", str(metrics["n_documents"]))
    table.add_row("macro-F1", "", "", f"{metrics['macro_f1']:.3f}", "", "")
    return table


def intervals_table(intervals: dict[str, Any]) -> Table:
    """The confidence intervals of :func:`testimonycoder.intervals.metric_intervals`."""
    from testimonycoder.intervals import format_interval

    level = f"{100 * intervals['level']:g}%"
    table = Table(
        title=f"{level} confidence intervals",
        caption=f"{intervals['method']}, {intervals['n_resamples']} resamples",
    )
    for col in ("code", f"F1 {level}", f"κ {level}"):
        table.add_column(col, justify="left" if col == "code" else "right")
    for code, pair in intervals["f1"].items():
        table.add_row(code, format_interval(pair), format_interval(intervals["kappa"][code]))
    table.add_row("micro-F1", format_interval(intervals["micro_f1"]), "")
    table.add_row("macro-F1", format_interval(intervals["macro_f1"]), "")
    return table


@handle_errors
def train(
    data: Annotated[
        Path,
        typer.Argument(
            help="Gold data: .jsonl/.csv/.parquet, a corpus or datasets folder, or a .qdpx project."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the model to.")],
    codebook: Annotated[Path | None, typer.Option(exists=True, dir_okay=False)] = None,
    folds: Annotated[int, typer.Option(min=2, help="Cross-validation folds.")] = 5,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    config: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="YAML of hyper-parameters.")
    ] = None,
    split: Annotated[
        list[str] | None,
        typer.Option(help="Splits of a corpus folder to use (default: all but test)."),
    ] = None,
    code_map: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="YAML mapping data code names to ids."),
    ] = None,
    test: Annotated[
        Path | None,
        typer.Option(help="Also score this gold test data (a corpus folder's test split)."),
    ] = None,
    group_by: Annotated[
        str | None,
        typer.Option(
            help="A field of the records (e.g. source, interviewer) whose groups are kept "
            "together in cross-validation, so thresholds and metrics reflect unseen groups."
        ),
    ] = None,
    label_errors: Annotated[
        bool,
        typer.Option(
            "--label-errors",
            help="Also list the training labels that cross-validation says are probably wrong "
            "(likely_label_errors.csv, most likely first), to check by hand.",
        ),
    ] = False,
    force: Annotated[bool, typer.Option(help="Replace an existing model in --out.")] = False,
    allow_network: NetworkOption = False,
) -> None:
    """Train a classifier, cross-validate it, and write the model, metrics and model card."""
    from testimonycoder.offline import enforce_offline
    from testimonycoder.trainer import train_to_dir

    enforce_offline(allow_network=allow_network)
    with console.status("training") as status:
        result = train_to_dir(
            data,
            out,
            codebook_path=codebook,
            folds=folds,
            seed=seed,
            config=config,
            split=split,
            code_map=load_code_map(code_map),
            test_data=test,
            group_by=group_by,
            label_errors=label_errors,
            force=force,
            warn=warn,
            progress=lambda m: status.update(m),
        )
    console.print(
        metrics_table(
            f"cross-validated ({result.metrics['folds']} folds), rules + model",
            result.metrics["hybrid"],
        )
    )
    if "hybrid_by_group" in result.metrics and group_by:
        from testimonycoder.modelcard import spread_line

        console.print(spread_line(result.metrics["hybrid_by_group"], group_by), highlight=False)
    if "test" in result.metrics:
        console.print(metrics_table("test split, rules + model", result.metrics["test"]))
        if result.metrics["test"].get("intervals"):
            console.print(intervals_table(result.metrics["test"]["intervals"]))
    console.print(
        f"model written to {out}/ (model.npz, manifest.json, metrics.json, model-card.md)",
        highlight=False,
    )
    if label_errors:
        from testimonycoder.trainer import LABEL_ERRORS_FILE

        path = out / LABEL_ERRORS_FILE
        n = len(path.read_text(encoding="utf-8").splitlines()) - 1
        console.print(
            f"{n} likely label errors written to {path} (check each against your guidelines "
            "before changing a label)",
            highlight=False,
        )
