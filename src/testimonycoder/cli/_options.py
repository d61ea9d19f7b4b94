"""Command-line options that several commands share, as ``Annotated`` aliases.

Each command declares e.g. ``force: ForceOption = False``; the help text lives here once.
"""

from __future__ import annotations

from typing import Annotated

import typer

IdColumnOption = Annotated[str, typer.Option(help="Id column of table inputs.")]
TextColumnOption = Annotated[str, typer.Option(help="Text column of table inputs.")]
ForceOption = Annotated[bool, typer.Option(help="Overwrite existing output files.")]
SharedOption = Annotated[
    bool, typer.Option(help="Make output readable by others (default: owner only, 0600).")
]
NetworkOption = Annotated[
    bool, typer.Option(help="Allow datasets/huggingface_hub to use the network.")
]
