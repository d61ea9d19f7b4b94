"""``testimonycoder audit FILES... --out DIR`` and ``audit resolve SHEET --out GOLD``.

``audit`` is a command group whose default command is ``run``: anything after ``audit`` that is
not a sub-command name goes to ``run``, so ``audit a.csv --out DIR`` and ``audit run a.csv --out
DIR`` are the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from typer.core import TyperGroup

from testimonycoder.cli._common import console, handle_errors, warn
from testimonycoder.cli._options import ForceOption, SharedOption

if TYPE_CHECKING:  # pandas is imported by the audit itself; `code` should not pay for it
    import pandas as pd


class _DefaultRun(TyperGroup):
    """A group that sends arguments to ``run`` unless they start with a sub-command name."""

    # typer vendors click; its own Context (what the base class declares) is private.
    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_DefaultRun,
    no_args_is_help=True,
    help="Intercoder agreement, disagreements, model-vs-coder checks and adjudication.\n\n"
    "testimonycoder audit FILES... --out DIR (same as 'audit run'); then "
    "testimonycoder audit resolve DIR/adjudication.csv --out gold.jsonl",
)


@app.command("run")
@handle_errors
def run(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (created if missing).")],
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Long-format .csv/.jsonl (doc_id, coder, code[, start, end, status]) or "
            "corpus-style .jsonl files.",
            dir_okay=False,
        ),
    ] = None,
    coder: Annotated[
        list[str] | None,
        typer.Option(help="NAME=PATH: one file per coder (repeat the option)."),
    ] = None,
    texts: Annotated[
        Path | None,
        typer.Option(exists=True, help="Texts: corpus JSONL (id, text) or a folder of .txt."),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(help="Add the model as a coder: a model folder, or 'default'."),
    ] = None,
    codebook: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Codebook YAML (default: bundled)."),
    ] = None,
    adjudicate: Annotated[
        bool, typer.Option(help="Also write adjudication.csv to decide the disagreements.")
    ] = False,
    label_errors: Annotated[
        bool, typer.Option(help="Rank likely label errors (trains out-of-fold models; slower).")
    ] = False,
    bootstrap: Annotated[
        int, typer.Option(min=100, help="Bootstrap resamples for the alpha interval.")
    ] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap and cross-validation.")] = 0,
    code_map: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="YAML mapping project code names to ids."),
    ] = None,
    force: ForceOption = False,
    shared_permissions: SharedOption = False,
) -> None:
    """Agreement per code, ranked disagreements and an HTML report for a reviewer."""
    from testimonycoder.audit.inputs import parse_coder_option, read_annotations, read_texts
    from testimonycoder.audit.run import run_audit
    from testimonycoder.codebook import load_codebook

    named = dict(parse_coder_option(value) for value in coder or [])
    book = load_codebook(codebook)
    from testimonycoder.io.code_map import load_code_map

    annotations, found = read_annotations(
        list(files or []), coders=named, codebook=book, code_map=load_code_map(code_map)
    )
    if texts is not None:
        found.update(read_texts(texts))
    with console.status("auditing"):
        result = run_audit(
            annotations, found, out_dir=out, model=model, codebook_path=codebook,
            adjudicate=adjudicate, label_errors=label_errors, n_boot=bootstrap, seed=seed,
            force=force, shared=shared_permissions, warn=warn,
        )  # fmt: skip
    _print_agreement(result.agreement, result.coders, result.n_documents)
    console.print(f"{len(result.disagreements)} disagreements (document level)")
    if result.label_errors is not None:
        console.print(f"{len(result.label_errors)} likely label errors")
    if result.adjudication is not None and result.adjudication.empty:
        console.print("the human coders agree everywhere: adjudication.csv has nothing to decide")
    elif result.adjudication is not None:
        console.print(
            f"{len(result.adjudication)} rows to decide in {out / 'adjudication.csv'}; then run "
            f"'testimonycoder audit resolve {out / 'adjudication.csv'} --out gold.jsonl'"
        )
    console.print("wrote " + ", ".join(str(p) for p in result.files))


def _cell(value: Any) -> str:
    import pandas as pd

    return "–" if pd.isna(value) else f"{value:.3f}"


def _print_agreement(agreement: pd.DataFrame, coders: list[str], n_documents: int) -> None:
    table = Table(title=f"Agreement: {n_documents} documents, coders {', '.join(coders)}")
    for name in ("code", "level", "n", "prev.", "% agree", "Fleiss κ", "α [95% CI]", "verdict"):
        table.add_column(name, justify="left" if name in ("code", "level", "verdict") else "right")
    pairs = [c for c in agreement.columns if c.startswith("kappa_")]
    shown = pairs if len(pairs) <= 3 else []
    for col in shown:
        table.add_column("κ " + col.removeprefix("kappa_").replace("_", "/", 1), justify="right")
    colour = {"reliable": "green", "tentative": "yellow", "unreliable": "red"}
    for row in agreement.to_dict("records"):
        verdict = str(row["reliability"])
        table.add_row(
            str(row["code"]), str(row["level"]), str(row["n"]), _cell(row["prevalence"]),
            _cell(row["percent_agreement"]), _cell(row["fleiss_kappa"]),
            f"{_cell(row['alpha'])} [{_cell(row['alpha_low'])}, {_cell(row['alpha_high'])}]",
            f"[{colour.get(verdict, 'dim')}]{verdict}[/]", *(_cell(row[c]) for c in shown),
        )  # fmt: skip
    console.print(table)


@app.command("resolve")
@handle_errors
def resolve(
    sheet: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, help="The filled-in adjudication.csv."),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Gold set to write (.jsonl).")],
    base: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="Base file (default: adjudication_base.jsonl beside SHEET).",
        ),
    ] = None,
    skip_undecided: Annotated[
        bool,
        typer.Option(help="Write the gold set without documents that still have undecided rows."),
    ] = False,
    force: ForceOption = False,
    shared_permissions: SharedOption = False,
) -> None:
    """Merge adjudication decisions into a gold training set (corpus-style JSONL)."""
    import orjson

    from testimonycoder.audit.adjudication import resolve as resolve_sheet
    from testimonycoder.io.atomic import check_output_path, write_bytes_atomic

    check_output_path(out, force=force)
    gold, undecided = resolve_sheet(sheet, base_path=base, skip_undecided=skip_undecided)
    data = b"".join(orjson.dumps(record) + b"\n" for record in gold)
    write_bytes_atomic(out, data, force=force, shared=shared_permissions)
    if len(undecided):
        table = Table(title=f"{len(undecided)} undecided rows: their documents were left out")
        table.add_column("document")
        table.add_column("code")
        for doc_id, code in zip(undecided["doc_id"], undecided["code"], strict=True):
            table.add_row(str(doc_id), str(code))
        console.print(table)
        warn(
            f"{undecided['doc_id'].nunique()} document(s) left out of {out}: decide them and rerun"
        )
    console.print(f"wrote {len(gold)} gold documents to {out}")
