"""Character offsets between the units an annotation tool counted and the text we keep.

Tools disagree on what a "character" is. The REFI-QDA standard counts Unicode code points of the
plain text, but real exports differ in three ways that QualCoder's users keep reporting:

- line breaks: a Windows source holds ``\\r\\n`` (two code points) but some tools count a line break
  as one character, or the XML parser already turned ``\\r\\n`` into ``\\n`` for inline content;
- a UTF-8 byte order mark, which some tools count as a character;
- characters above U+FFFF (emoji, rare CJK), which JavaScript and .NET tools count as two UTF-16
  code units.

We keep one *final* text per document: the BOM removed and every ``\\r\\n`` or lone ``\\r`` turned
into ``\\n`` (:func:`normalize_text`). :func:`unit_map` gives, for one way of counting, the final
offset of every tool offset, so ``final[m[start]:m[end]]`` is the span the tool meant.
:func:`choose_map` picks the way of counting under which the texts the tool stored with its spans
(REFI selection names, Label Studio ``value.text``) match best; without such texts it keeps the
standard: code points of the source as stored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_LINE_BREAK = re.compile(r"\r\n?")
_SPACE = re.compile(r"\s+")


def normalize_text(raw: str) -> str:
    """``raw`` without leading BOMs and with LF line endings only.

    Every leading U+FEFF goes: a text stored with one would lose it to the next UTF-8 reader.
    """
    return _LINE_BREAK.sub("\n", raw.lstrip("\ufeff"))


@dataclass(frozen=True)
class Counting:
    """One way a tool may have counted offsets in a source."""

    utf16: bool = False  # characters above U+FFFF count as two units
    newline_width: int | None = None  # None: as stored (CRLF 2, LF 1); else every break counts this
    bom: bool = False  # a leading BOM counts as one unit

    def describe(self) -> str:
        parts = ["UTF-16 code units" if self.utf16 else "code points"]
        if self.newline_width is not None:
            parts.append(f"line breaks counted as {self.newline_width}")
        if self.bom:
            parts.append("BOM counted")
        return ", ".join(parts)


STANDARD = Counting()


def unit_map(raw: str, counting: Counting = STANDARD) -> list[int]:
    """For every tool offset ``k`` (0..units), the offset in ``normalize_text(raw)``.

    An offset inside a CRLF pair or a surrogate pair maps to the start of that character.
    """
    had_bom = raw.startswith("\ufeff")
    text = raw.removeprefix("\ufeff")
    out: list[int] = [0] if (counting.bom and had_bom) else []
    pos = 0
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\r" and i + 1 < n and text[i + 1] == "\n":
            units = 2 if counting.newline_width is None else counting.newline_width
            i += 2
        elif ch in "\r\n":
            units = 1 if counting.newline_width is None else counting.newline_width
            i += 1
        elif ch == "\ufeff" and pos == 0:
            out.append(0)  # a further leading U+FEFF: counted, but dropped from the text
            i += 1
            continue
        else:
            units = 2 if (counting.utf16 and ord(ch) > 0xFFFF) else 1
            i += 1
        out.extend([pos] * units)
        pos += 1
    out.append(pos)
    return out


def candidate_countings(raw: str) -> list[Counting]:
    """The countings worth trying for ``raw``, the standard one first."""
    utf16 = [False, True] if any(ord(c) > 0xFFFF for c in raw) else [False]
    widths: list[int | None] = [None, 1, 2] if ("\n" in raw or "\r" in raw) else [None]
    boms = [False, True] if raw.startswith("\ufeff") else [False]
    return [Counting(u, w, b) for u in utf16 for w in widths for b in boms]


def _same_text(found: str, expected: str) -> bool:
    """Does the span text match what the tool stored (whitespace-insensitive, "..." = prefix)?"""
    a = _SPACE.sub(" ", found).strip()
    b = _SPACE.sub(" ", _LINE_BREAK.sub("\n", expected)).strip()
    if a == b:
        return True
    for ellipsis in ("...", "…"):
        if b.endswith(ellipsis) and len(b) > len(ellipsis) + 3:
            return a.startswith(b[: -len(ellipsis)].rstrip())
    return False


def choose_map(
    raw: str, spans: Sequence[tuple[int, int, str | None]]
) -> tuple[list[int], Counting]:
    """The unit map under which most ``(start, end, expected_text)`` spans show their text.

    Spans without an expected text do not vote. Ties keep the earlier (more standard) counting,
    so a project whose spans store no text is read by the REFI-QDA rule: code points as stored.
    """
    final = normalize_text(raw)
    voters = [(s, e, t) for s, e, t in spans if t]
    best_map = unit_map(raw, STANDARD)
    best = (_score(best_map, final, voters), STANDARD)
    if not voters or best[0] == len(voters):
        return best_map, STANDARD
    for counting in candidate_countings(raw)[1:]:
        m = unit_map(raw, counting)
        score = _score(m, final, voters)
        if score > best[0]:
            best, best_map = (score, counting), m
    return best_map, best[1]


def _score(m: list[int], final: str, voters: Sequence[tuple[int, int, str | None]]) -> int:
    hits = 0
    for start, end, expected in voters:
        if 0 <= start <= end < len(m) and expected is not None:
            hits += _same_text(final[m[start] : m[end]], expected)
    return hits
