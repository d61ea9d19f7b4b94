"""The records that flow through testimonycoder: documents in, codings out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Document:
    """One testimony: ``text`` is exactly the decoded input (offsets point into it)."""

    id: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Evidence:
    """A passage that supports (or, with a non-asserted status, mentions) a code."""

    code: str
    start: int
    end: int
    text: str
    source: str  # "rules" or "model"
    status: str
    experiencer: str
    rule: str | None = None
    score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "source": self.source,
            "status": self.status,
            "experiencer": self.experiencer,
        }
        if self.rule is not None:
            out["rule"] = self.rule
        if self.score is not None:
            out["score"] = round(self.score, 4)
        return out


@dataclass(frozen=True, slots=True)
class Segment:
    """A passage (sentence or speaker turn) and the codes found in it."""

    start: int
    end: int
    codes: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "codes": self.codes}


@dataclass(slots=True)
class Coding:
    """The coding of one document: the ``code`` JSONL record."""

    id: str
    codes: list[str]
    subcodes: list[str]
    scores: dict[str, float]
    review: bool
    codebook: str
    evidence: list[Evidence]
    segments: list[Segment]
    attributes: list[dict[str, Any]] = field(default_factory=list)
    text: str | None = None
    # why the document is in the review queue: "code: reason", one per code (hybrid.py)
    review_reasons: list[str] = field(default_factory=list)
    # how close the document came to review for uncertainty (hybrid.review_keys): the least
    # log-odds margin of a score to its threshold, halved where rules and model disagree; the
    # lower, the likelier the coding is wrong. None when the rules code alone.
    review_margin: float | None = None

    @property
    def rounded_margin(self) -> float | None:
        """The review margin as written to every output format."""
        return None if self.review_margin is None else round(self.review_margin, 3)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "codes": self.codes,
            "subcodes": self.subcodes,
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "review": self.review,
            "review_reasons": self.review_reasons,
            "review_margin": self.rounded_margin,
            "codebook": self.codebook,
            "evidence": [e.to_dict() for e in self.evidence],
            "segments": [s.to_dict() for s in self.segments],
        }
        if self.attributes:
            out["attributes"] = self.attributes
        return out
