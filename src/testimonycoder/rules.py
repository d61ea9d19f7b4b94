"""Codebook rules -> raw evidence hits on a Doc.

Token patterns go into one spaCy ``Matcher`` and phrase lists into a ``PhraseMatcher`` per
attribute. Of overlapping hits of the same code, the first (and at one start, the longest) is
kept; hits of different codes may overlap ("sold as a wife" is evidence of both ``sale`` and
``forced_marriage``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

from testimonycoder.codebook import Codebook, Rule
from testimonycoder.context import variants


@dataclass(frozen=True, slots=True)
class Hit:
    """A rule match: tokens ``start:end`` are evidence of ``code`` according to ``rule``."""

    code: str
    rule: str
    start: int
    end: int


class RuleSet:
    """The compiled evidence rules (``codes[*].rules``) or sub-code cues (``codes[*].cues``)."""

    def __init__(
        self, vocab: Vocab, codebook: Codebook, make_doc: Callable[[str], Doc], kind: str = "rules"
    ) -> None:
        self._matcher = Matcher(vocab, validate=True)
        self._phrases: dict[str, PhraseMatcher] = {}
        self.rules: dict[str, tuple[str, Rule]] = {}
        for code in codebook.codes:
            for rule in getattr(code, kind):
                self.rules[rule.id] = (code.id, rule)
                if rule.pattern is not None:
                    self._matcher.add(rule.id, [rule.pattern])
                else:
                    matcher = self._phrases.setdefault(
                        rule.attr, PhraseMatcher(vocab, attr=rule.attr)
                    )
                    docs = [make_doc(v) for term in rule.terms or [] for v in variants(term)]
                    matcher.add(rule.id, docs)

    def __call__(self, doc: Doc) -> list[Hit]:
        """All hits in ``doc``, merged per code, sorted by position."""
        raw: list[tuple[int, int, int]] = list(self._matcher(doc)) if len(self._matcher) else []
        for matcher in self._phrases.values():
            raw.extend(matcher(doc))
        by_code: dict[str, list[Hit]] = {}
        for match_id, start, end in raw:
            rule_id = doc.vocab.strings[match_id]
            code, _ = self.rules[rule_id]
            by_code.setdefault(code, []).append(Hit(code, rule_id, start, end))
        merged: list[Hit] = []
        for hits in by_code.values():
            hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
            last_end = -1
            for hit in hits:
                if hit.start >= last_end:
                    merged.append(hit)
                    last_end = hit.end
        merged.sort(key=lambda h: (h.start, h.end, h.code))
        return merged
