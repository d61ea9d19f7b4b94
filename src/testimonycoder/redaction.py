"""Redaction of report snippets: a thin adapter over :class:`testimonycoder.redact.Redactor`."""

from __future__ import annotations

from collections.abc import Callable


def redact_function() -> Callable[[str], str]:
    """A ``text -> redacted text`` function for :func:`testimonycoder.report.build_report`."""
    from testimonycoder.redact import Redactor

    redactor = Redactor.default()
    return lambda text: redactor.redact_text(text)[0]
