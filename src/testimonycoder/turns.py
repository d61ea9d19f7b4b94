"""Speaker turns in interview transcripts.

Transcripts mark turns with labels at the start of a line (``Interviewer:``/``Respondent:``,
``Q:``/``A:``, or speaker initials). Only the respondent's turns carry codes: a question such as
"Were you ever sold?" must never produce evidence. The label patterns live in the codebook.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from testimonycoder.codebook import Turns

Role = Literal["question", "answer", "narrative"]

_INITIALS = re.compile(r"^[ \t]*([A-Z]{1,3}|[A-Z][a-z]+)[ \t]*:", re.M)


@dataclass(frozen=True, slots=True)
class Turn:
    start: int
    end: int
    role: Role


class TurnFinder:
    """Splits a text into turns using the codebook's line-start label patterns."""

    def __init__(self, turns: Turns) -> None:
        self._question = [re.compile(r"^[ \t]*" + p, re.I) for p in turns.question]
        self._answer = [re.compile(r"^[ \t]*" + p, re.I) for p in turns.answer]

    def _role(self, line: str, interviewer_initials: str | None) -> Role | None:
        if any(p.match(line) for p in self._question):
            return "question"
        if any(p.match(line) for p in self._answer):
            return "answer"
        m = _INITIALS.match(line)
        if m and interviewer_initials is not None:
            return "question" if m.group(1) == interviewer_initials else "answer"
        return None

    def find(self, text: str) -> list[Turn]:
        """Return the turns of ``text``; a text without labels is one narrative turn."""
        interviewer_initials = self._interviewer_initials(text)
        turns: list[Turn] = []
        role: Role = "narrative"
        start = 0
        pos = 0
        for line in text.splitlines(keepends=True):
            new_role = self._role(line, interviewer_initials)
            if new_role is not None and pos > start:
                turns.append(Turn(start, pos, role))
                start = pos
            if new_role is not None:
                role = new_role
            pos += len(line)
        if pos > start or not turns:
            turns.append(Turn(start, pos, role))
        return turns

    def _interviewer_initials(self, text: str) -> str | None:
        """Treat initials as turn labels only when no standard labels are used.

        The first speaker in an interview is the interviewer in nearly every transcript
        convention, so the first label seen is taken as the interviewer's.
        """
        for line in text.splitlines():
            if any(p.match(line) for p in self._question + self._answer):
                return None
        labels = [m.group(1) for m in _INITIALS.finditer(text)]
        if len(set(labels)) == 2 and len(labels) >= 4:
            return labels[0]
        return None
