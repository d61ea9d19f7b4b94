"""The ``testimonycoder`` Typer app; each command lives in its own module."""

from __future__ import annotations

import typer

from testimonycoder import __version__
from testimonycoder.cli import audit as audit_cmd
from testimonycoder.cli import code as code_cmd
from testimonycoder.cli import codebook as codebook_cmd
from testimonycoder.cli import evaluate as evaluate_cmd
from testimonycoder.cli import export as export_cmd
from testimonycoder.cli import ingest as ingest_cmd
from testimonycoder.cli import redact as redact_cmd
from testimonycoder.cli import report as report_cmd
from testimonycoder.cli import train as train_cmd

app = typer.Typer(
    name="testimonycoder",
    help="Code testimonies of trafficking survivors against a codebook, offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"testimonycoder {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """testimonycoder: rules + models for coding survivor testimony, with evidence."""
    from testimonycoder.offline import enforce_offline

    # Offline before any command can import datasets/huggingface_hub (they read these at import);
    # a command's own --allow-network lifts it again.
    enforce_offline()


app.command("code")(code_cmd.code)
app.command("ingest")(ingest_cmd.ingest)
app.command("redact")(redact_cmd.redact)
app.command("train")(train_cmd.train)
app.command("evaluate")(evaluate_cmd.evaluate)
app.command("export")(export_cmd.export)
app.command("report")(report_cmd.report)
app.add_typer(codebook_cmd.app, name="codebook")
app.add_typer(audit_cmd.app, name="audit")
