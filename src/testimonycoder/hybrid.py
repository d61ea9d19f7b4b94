"""How rules and the model are combined into one decision per code.

Rules-only (no model): a code is assigned when it has at least one ``asserted`` rule evidence; its
score is 1.0, or 0.5 when the only evidence is hearsay (which is sent to review), else 0.0.

Hybrid (a model is given), for each top-level code ``c`` with calibrated model probability ``p``
and the model's cross-validated threshold ``t``:

* the code is assigned when ``p >= t``, or when the rules assert it and ``p >= f * t``, where the
  rule floor ``f`` (one of 0, 0.25, 0.5, 0.75, 1) is chosen per code with ``t`` by
  cross-validation: ``f = 0`` lets the rules always win, ``f = 1`` leaves the decision to the model
  (which sees the rule hits as features);
* the score is ``p`` (raised to at least ``t`` when the code is assigned through the rules, so the
  score and the decision agree);
* the document goes to review when ``p`` falls in the uncertainty band ``|p - t| < band``, when
  there is hearsay evidence, or when rules and model disagree and the side that lost was not
  clearly outvoted: the rules assert a code the model rejects with ``p >= t / 3``, or the model
  assigns a code without rule evidence with ``p < t + 2 * band``. (Flagging every disagreement
  sent most documents to review, since the rules alone miss implicit codes by design.)
* when the model assigns a code that no asserted rule evidence supports, the passage that drove the
  model's score becomes ``model`` evidence (``evidence.source == "model"``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from spacy.tokens import Doc

from testimonycoder.doc_text import doc_text
from testimonycoder.document import Evidence


@dataclass(frozen=True, slots=True)
class DocScores:
    """A model's scores for one document: per code, and per passage.

    ``passage_scores[i, k]`` is the score of code ``codes[k]`` driven by the passage at
    ``spans[i]`` (a ``(start_char, end_char)`` pair); kept as one array rather than a dict per
    passage, because most passages are never looked at.
    """

    doc: dict[str, float]
    codes: list[str]
    spans: list[tuple[int, int]]
    passage_scores: np.ndarray

    def best_passage(self, code: str) -> tuple[int, int, float] | None:
        """``(start, end, score)`` of the passage with the highest score for ``code``."""
        if code not in self.codes or not self.spans:
            return None
        column = self.passage_scores[:, self.codes.index(code)]
        i = int(np.argmax(column))  # the first of equal maxima, as max() would give
        start, end = self.spans[i]
        return start, end, float(column[i])


def rules_only_scores(
    evidence: list[Evidence], codes: list[str]
) -> tuple[list[str], dict[str, float], bool, list[Evidence]]:
    asserted = {e.code for e in evidence if e.status == "asserted"}
    hearsay = {e.code for e in evidence if e.status == "hearsay"}
    scores = {c: 1.0 if c in asserted else 0.5 if c in hearsay else 0.0 for c in codes}
    chosen = [c for c in codes if c in asserted]
    return chosen, scores, bool(hearsay), []


def combine(
    doc: Doc,
    evidence: list[Evidence],
    scored: DocScores,
    codes: list[str],
    thresholds: dict[str, float],
    band: float,
    floors: dict[str, float] | None = None,
) -> tuple[list[str], dict[str, float], bool, list[Evidence]]:
    asserted = {e.code for e in evidence if e.status == "asserted"}
    review = any(e.status == "hearsay" for e in evidence)
    chosen: list[str] = []
    scores: dict[str, float] = {}
    extra: list[Evidence] = []
    for code in codes:
        p = scored.doc.get(code, 0.0)
        t = thresholds.get(code, 0.5)
        by_model = p >= t
        by_rules = code in asserted
        floor = (floors or {}).get(code, 0.5)
        assigned = by_model or (by_rules and p >= floor * t)
        contested = (by_rules and not by_model and p >= t / 3) or (
            by_model and not by_rules and p < t + 2 * band
        )
        if contested or abs(p - t) < band:
            review = True
        scores[code] = max(p, t) if assigned else p
        if assigned:
            chosen.append(code)
        if assigned and not by_rules:
            best = scored.best_passage(code)
            if best is not None:
                start, end, pscore = best
                extra.append(
                    Evidence(
                        code,
                        start,
                        end,
                        doc_text(doc)[start:end],
                        "model",
                        "asserted",
                        "self",
                        None,
                        pscore,
                    )
                )
    return chosen, scores, review, extra
