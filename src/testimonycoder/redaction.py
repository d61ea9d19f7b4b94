"""Redaction of report snippets, through the reliability work's :mod:`testimonycoder.redact`.

``Redactor.default().redact_text(text) -> (redacted_text, mapping)`` is that module's interface.
Until it is merged, :class:`FallbackRedactor` implements the same interface with the gazetteer's
place names, names after a title ("Ms. Kim"), e-mail addresses and phone numbers, so that
``--redact`` never silently does nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol

from testimonycoder.gazetteer import Gazetteer, load_gazetteer

_TITLE_NAME = re.compile(r"\b(Ms|Mrs|Mr|Miss|Dr)\.?\s+([A-Z][a-z]+(?:[- ][A-Z][a-z]+)?)")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PHONE = re.compile(r"(?<!\w)\+?\d[\d\s().-]{7,}\d(?!\w)")


class TextRedactor(Protocol):
    def redact_text(self, text: str) -> tuple[str, dict[str, str]]: ...


class FallbackRedactor:
    """Replaces places, titled names, e-mails and phone numbers with placeholders."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        names = gazetteer.names()  # longest first, so "Jilin City" wins over "Jilin"
        self._places = re.compile(
            r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b", re.IGNORECASE
        )

    @classmethod
    def default(cls) -> FallbackRedactor:
        return cls(load_gazetteer())

    def redact_text(self, text: str) -> tuple[str, dict[str, str]]:
        mapping: dict[str, str] = {}

        def sub(kind: str) -> Callable[[re.Match[str]], str]:
            def repl(m: re.Match[str]) -> str:
                original = m.group(0)
                if kind == "NAME":  # keep the title: "Ms. [NAME]"
                    original = m.group(2)
                    mapping.setdefault(original, "[NAME]")
                    return m.group(0).replace(original, "[NAME]")
                mapping.setdefault(original, f"[{kind}]")
                return f"[{kind}]"

            return repl

        text = _EMAIL.sub(sub("EMAIL"), text)
        text = _PHONE.sub(sub("PHONE"), text)
        text = _TITLE_NAME.sub(sub("NAME"), text)
        text = self._places.sub(sub("PLACE"), text)
        return text, mapping


def default_redactor() -> TextRedactor:
    """The reliability work's ``Redactor.default()``, or :class:`FallbackRedactor` without it."""
    try:
        from testimonycoder.redact import Redactor  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return FallbackRedactor.default()
    return Redactor.default()  # type: ignore[no-any-return,unused-ignore]


def redact_function() -> Callable[[str], str]:
    """A ``text -> redacted text`` function for :func:`testimonycoder.report.build_report`."""
    redactor = default_redactor()
    return lambda text: redactor.redact_text(text)[0]
