"""Shared CLI plumbing: error handling, console output, progress bars."""

from __future__ import annotations

import contextlib
import functools
import signal
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from testimonycoder.errors import TestimonyCoderError

console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C, so temporary files are cleaned up the same way.

    Python's default SIGTERM action kills the process without unwinding, which would leave
    temporary files behind; raising KeyboardInterrupt runs every ``finally``/``except`` instead.
    """
    try:
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    except ValueError:  # not the main thread (e.g. called from a worker): nothing to install
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def handle_errors(func: F) -> F:
    """Turn library errors into a one-line message and a non-zero exit code (no traceback)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with sigterm_as_interrupt():
                return func(*args, **kwargs)
        except TestimonyCoderError as exc:
            error(str(exc))
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            err_console.print(
                "[bold red]interrupted:[/] no output was written or changed "
                "('code --resume' continues an interrupted coding run)",
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(130) from None
        except OSError as exc:
            # A disk that fills up or a file that vanishes mid-run is not a bug of ours either.
            where = f"{exc.filename}: " if exc.filename else ""
            error(f"{where}{exc.strerror or exc}")
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def error(message: str) -> None:
    """Print a one-line error message on stderr."""
    # Escaped: messages hold places like "[codes -> 3 -> rules -> 0]" that rich would eat as markup.
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


def warn(message: str) -> None:
    """Print a one-line warning on stderr."""
    err_console.print(f"[yellow]warning:[/] {escape(message)}", highlight=False, soft_wrap=True)
