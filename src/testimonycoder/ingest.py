"""Split a published report (PDF turned into text) into one record per testimony.

Reports print testimony as a header line with a pseudonym and hometown (``Ms. Pak from Hoeryong
City``, ``Ms. Ri [hometown redacted]``) followed by one paragraph wrapped over several lines. The
text around it is layout noise: page numbers, running headers, footnotes, photo credits, chart
labels and section headings, and sometimes a line of body text that a two-column layout
interleaved into the block. A block ends at a blank line, a noise line, another header, or a line
that cannot continue the paragraph (a lower-case start after a finished sentence). Wrapped lines
are joined with a space; a word hyphenated across a line break is rejoined.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from testimonycoder.errors import InputError
from testimonycoder.io.text import read_text_file

_HONORIFIC = r"(?:Ms|Mrs|Miss|Mr|Madam|Mdm)\.?"
_NAME = r"[A-Z][\w'’\-]*(?:\s+[A-Z][\w'’\-]*){0,2}"
HEADER = re.compile(
    rf"^\s*(?P<speaker>{_HONORIFIC}\s+{_NAME})"
    r"(?:\s*[,(]\s*(?:aged?\s*)?\d{1,2}(?:\s*years?\s*old)?\s*\)?,?)?"
    r"\s*(?:(?:from|of)\s+(?P<hometown>[A-Z][^\n\[\]]{1,60}?)|\[\s*(?:hometown\s+)?(?:redacted|withheld)\s*\])"
    r"\s*(?:\(\s*(?:aged?\s*)?\d{1,2}\s*\))?\s*[:.]?\s*$"
)
_PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?\d{1,4}\s*$", re.I)
_FOOTNOTE = re.compile(r"^\s*\d{1,3}\s+(?:[A-Z]|“|\")")
_PERCENT = re.compile(r"^\s*[\w\s,.'’\-]{0,60}\d{1,3}(?:\.\d)?\s*%\s*$")
_CREDIT = re.compile(
    r"(licensed under|creative commons|cc by|photo:|photograph:|credit:|©|source:)", re.I
)
_HEADING = re.compile(r"^\s*\d+(?:\.\d+)*\s+[A-Z][^.]{0,60}$")
_SENTENCE_END = re.compile(r"[.!?…)\]”\"']\s*$")


@dataclass(frozen=True)
class Testimony:
    """One testimony block: ``start``/``end`` are its character range in the source text."""

    id: str
    speaker: str
    hometown: str | None
    text: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "speaker": self.speaker,
            "hometown": self.hometown,
            "text": self.text,
            "start": self.start,
            "end": self.end,
        }


def _is_noise(line: str) -> bool:
    return bool(
        _PAGE_NUMBER.match(line)
        or _FOOTNOTE.match(line)
        or _PERCENT.match(line)
        or _CREDIT.search(line)
        or _HEADING.match(line)
    )


def _join(lines: list[str]) -> str:
    text = ""
    for line in lines:
        line = line.strip()
        if not text:
            text = line
        elif re.search(r"[A-Za-z]-$", text) and line[:1].islower():
            text = text[:-1] + line  # "bro-" + "ker" -> "broker"
        else:
            text = f"{text} {line}"
    return text


def split_report(text: str, *, prefix: str = "t") -> list[Testimony]:
    """Find every testimony block in ``text``; ids are ``{prefix}-001``, ``{prefix}-002``..."""
    lines = text.splitlines(keepends=True)
    offsets = []
    pos = 0
    for line in lines:
        offsets.append(pos)
        pos += len(line)
    found: list[Testimony] = []
    i = 0
    while i < len(lines):
        m = HEADER.match(lines[i].rstrip("\r\n"))
        if not m:
            i += 1
            continue
        body: list[int] = []
        j = i + 1
        while j < len(lines):
            line = lines[j].rstrip("\r\n")
            if not line.strip() or HEADER.match(line) or _is_noise(line):
                break
            if (
                body
                and _SENTENCE_END.search(lines[body[-1]].rstrip())
                and line.lstrip()[:1].islower()
            ):
                break  # a body line interleaved from the other column
            body.append(j)
            j += 1
        if body:
            start = offsets[body[0]] + (len(lines[body[0]]) - len(lines[body[0]].lstrip()))
            last = lines[body[-1]].rstrip("\r\n").rstrip()
            end = offsets[body[-1]] + len(last)
            hometown = m.group("hometown")
            found.append(
                Testimony(
                    id=f"{prefix}-{len(found) + 1:03d}",
                    speaker=" ".join(m.group("speaker").split()),
                    hometown=" ".join(hometown.split()) if hometown else None,
                    text=_join([lines[k] for k in body]),
                    start=start,
                    end=end,
                )
            )
        i = j if body else i + 1
    return found


def ingest_report(path: Path) -> list[Testimony]:
    """Read a report text file and split it into testimonies.

    Raises:
        InputError: the file cannot be read or holds no testimony header.
    """
    text = read_text_file(path)
    if not text.strip():
        raise InputError(f"{path}: the file is empty")
    found = split_report(text, prefix=path.stem)
    if not found:
        raise InputError(
            f"{path}: no testimony headers found (expected lines like 'Ms. Kim from Hoeryong "
            "City' or 'Ms. Ri [hometown redacted]' followed by the testimony)"
        )
    return found
