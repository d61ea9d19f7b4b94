"""Speaker turns in interview transcripts.

Transcripts mark turns with labels at the start of a line (``Interviewer:``/``Respondent:``,
``Q:``/``A:``, or speaker initials). Only the respondent's turns carry codes: a question such as
"Were you ever sold?" must never produce evidence. The label patterns live in the codebook.
"""

from __future__ import annotations

import bisect
import re
import sys
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

from testimonycoder.codebook import Turns

Role = Literal["question", "answer", "narrative"]

# A speaker label at the start of a line: initials ("KJ:"), a word ("Counsel:", "Reporter:") or a
# title and name ("Dr. Lee:").
_LABEL = re.compile(
    r"^[ \t]*((?:Dr|Mr|Mrs|Ms|Mx)\.?[ \t]+[A-Z][A-Za-z]*|[A-Z]{1,3}|[A-Z][a-z]+)[ \t]*:(.*)$",
    re.M,
)
_INITIALS = re.compile(r"[A-Z]{1,3}")


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

    def _standard(self, line: str) -> Role | None:
        if any(p.match(line) for p in self._question):
            return "question"
        if any(p.match(line) for p in self._answer):
            return "answer"
        return None

    def _role(self, line: str, label_roles: dict[str, Role]) -> Role | None:
        role = self._standard(line)
        if role is not None:
            return role
        m = _LABEL.match(line)
        if m and m.group(1) in label_roles:
            return label_roles[m.group(1)]
        return None

    def find(self, text: str) -> list[Turn]:
        """Return the turns of ``text``; a text without labels is one narrative turn."""
        label_roles = self._label_roles(text)
        turns: list[Turn] = []
        role: Role = "narrative"
        start = 0
        pos = 0
        for line in text.splitlines(keepends=True):
            new_role = self._role(line, label_roles)
            if new_role is not None and pos > start:
                turns.append(Turn(start, pos, role))
                start = pos
            if new_role is not None:
                role = new_role
            pos += len(line)
        if pos > start or not turns:
            turns.append(Turn(start, pos, role))
        return turns

    def _label_roles(self, text: str) -> dict[str, Role]:
        """Roles of the speaker labels that are not in the codebook (initials, names, titles).

        The interviewer is the speaker whose turns are mostly questions. When no speaker asks
        mostly questions, two speakers who strictly alternate are read as interviewer first,
        the convention of nearly every transcript. Labels are ignored in texts that already
        use the codebook's labels for both sides, and in texts where they do not look like turns
        (a case note's "Background:" and "Outcome:" lines ask nothing and do not alternate).
        """
        has_question = has_answer = False
        order: list[str] = []
        asks: dict[str, list[bool]] = {}
        for line in text.splitlines():
            standard = self._standard(line)
            if standard is not None:
                has_question |= standard == "question"
                has_answer |= standard == "answer"
                continue
            m = _LABEL.match(line)
            if m:
                order.append(m.group(1))
                asks.setdefault(m.group(1), []).append("?" in m.group(2))
        if not order or (has_question and has_answer):
            return {}
        share = {label: sum(q) / len(q) for label, q in asks.items()}
        if has_question:  # a codebook interviewer label ("Interpreter:") with other speakers
            return {label: "question" if s >= 0.5 else "answer" for label, s in share.items()}
        if has_answer:  # the respondent is labelled, so the other speakers ask
            return dict.fromkeys(share, "question")
        if len(order) < 4 or len(share) > 4:
            return {}
        ranked = sorted(share.items(), key=lambda kv: -kv[1])
        if ranked[0][1] >= 0.5 and (len(ranked) == 1 or ranked[1][1] < ranked[0][1]):
            interviewer = ranked[0][0]
        elif (
            len(share) == 2
            and all(_INITIALS.fullmatch(label) for label in share)
            and all(x != y for x, y in pairwise(order))
        ):
            interviewer = order[0]
        else:
            return {}
        return {label: "question" if label == interviewer else "answer" for label in share}


def in_ranges(pos: int, ranges: list[tuple[int, int]]) -> bool:
    """Whether ``pos`` falls inside one of ``ranges``, which are sorted and disjoint (turns in
    text order), so bisect finds the only candidate."""
    i = bisect.bisect_right(ranges, (pos, sys.maxsize)) - 1
    return i >= 0 and ranges[i][0] <= pos < ranges[i][1]
