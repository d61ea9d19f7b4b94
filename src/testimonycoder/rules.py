"""Codebook rules -> raw evidence hits on a Doc.

Each token pattern gets its own spaCy ``Matcher``, run only on the ranges of a Doc where it can
match (:mod:`testimonycoder.rule_filter`). Phrase lists go into a ``PhraseMatcher`` per
attribute. Of overlapping hits of the same code, the first is kept; at one start the longest,
and of equally long hits the rule listed first in the codebook. Hits of different codes may
overlap ("sold as a wife" is evidence of both ``sale`` and ``forced_marriage``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

from testimonycoder.codebook import Codebook, Rule
from testimonycoder.context import variants
from testimonycoder.rule_filter import MatchFilter


class _InFlag:
    """Lexeme flag getter: the lower-cased form (or its lookup lemma) is one of ``values``.

    A picklable class rather than a lambda, so pipelines can be sent to worker processes.
    """

    def __init__(self, values: frozenset[str], lemmas: Mapping[str, str] | None) -> None:
        self.values = values
        self.lemmas = lemmas

    def __call__(self, text: str) -> bool:
        low = text.lower()
        if self.lemmas is None:
            return low in self.values
        return self.lemmas.get(low, low) in self.values


def _flag_patterns(
    vocab: Vocab, patterns: dict[str, list[dict[str, Any]]], lemmas: Mapping[str, str] | None
) -> dict[str, list[dict[Any, Any]]]:
    """Rewrite ``IN``/``NOT_IN`` lists on LOWER (and LEMMA, given the lookup table) as lexeme flags.

    spaCy's Matcher evaluates set predicates in Python for every token, which made them most of
    the cost of coding; a lexeme flag is a bit test in C. Only 64 flag bits exist per vocabulary,
    so the lists used most (first tokens and ``*`` tokens first) get flags, and the rest stay
    predicates. Matches are identical: a token's LOWER is its lexeme's, and the pipeline's lemma
    is the lookup lemma of the lower-cased form.
    """
    usage: Counter[tuple[str, str, tuple[str, ...]]] = Counter()
    for pattern in patterns.values():
        for i, token in enumerate(pattern):
            for key, value in token.items():
                spec = _set_spec(key, value, lemmas)
                if spec is not None:
                    usage[spec] += 10 if (i == 0 or token.get("OP") == "*") else 1
    flags: dict[tuple[str, str, tuple[str, ...]], int] = {}
    for spec, _ in usage.most_common():
        attr, _, values = spec
        getter = _InFlag(frozenset(values), lemmas if attr == "LEMMA" else None)
        try:
            flags[spec] = vocab.add_flag(getter)
        except ValueError:  # no free flag bit left: keep the remaining lists as predicates
            break
    out: dict[str, list[dict[Any, Any]]] = {}
    for rule_id, pattern in patterns.items():
        rewritten: list[dict[Any, Any]] = []
        for token in pattern:
            new: dict[Any, Any] = {}
            for key, value in token.items():
                spec = _set_spec(key, value, lemmas)
                if spec is not None and spec in flags:
                    new[flags[spec]] = spec[1] == "IN"
                else:
                    new[key] = value
            rewritten.append(new)
        out[rule_id] = rewritten
    return out


def _set_spec(
    key: str, value: Any, lemmas: Mapping[str, str] | None
) -> tuple[str, str, tuple[str, ...]] | None:
    if not isinstance(value, dict) or len(value) != 1:
        return None
    attr = str(key).upper()
    op, values = next(iter(value.items()))
    if op not in ("IN", "NOT_IN") or attr not in ("LOWER", "LEMMA"):
        return None
    if attr == "LEMMA" and lemmas is None:
        return None
    if attr == "LOWER" and any(str(v) != str(v).lower() for v in values):
        return None  # a LOWER value with capitals can never match; leave it to spaCy
    return attr, op, tuple(sorted(str(v) for v in values))


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
        self,
        vocab: Vocab,
        codebook: Codebook,
        make_doc: Callable[[str], Doc],
        kind: str = "rules",
        lemmas: Mapping[str, str] | None = None,
    ) -> None:
        self._phrases: dict[str, PhraseMatcher] = {}
        self.rules: dict[str, tuple[str, Rule]] = {}
        patterns: dict[str, list[dict[str, Any]]] = {}
        for code in codebook.codes:
            for rule in getattr(code, kind):
                self.rules[rule.id] = (code.id, rule)
                if rule.pattern is not None:
                    patterns[rule.id] = rule.pattern
                else:
                    matcher = self._phrases.setdefault(
                        rule.attr, PhraseMatcher(vocab, attr=rule.attr)
                    )
                    docs = [make_doc(v) for term in rule.terms or [] for v in variants(term)]
                    matcher.add(rule.id, docs)
        # Of equally long hits at one start, the rule listed first wins.
        self._order = {rule_id: i for i, rule_id in enumerate(self.rules)}
        self._filter = MatchFilter(patterns, vocab, make_doc, lemmas)
        self._matchers: dict[str, Matcher] = {}
        for rule_id, pattern in _flag_patterns(vocab, patterns, lemmas).items():
            # Patterns were validated when the codebook was loaded; flagged patterns use
            # integer flag keys, which spaCy's pattern schema does not describe.
            self._matchers[rule_id] = Matcher(vocab, validate=False)
            self._matchers[rule_id].add(rule_id, [pattern])

    def pattern_matches(self, doc: Doc) -> list[tuple[int, int, int]]:
        """``(match id, start, end)`` of every token-pattern match in ``doc``, unmerged."""
        raw: list[tuple[int, int, int]] = []
        for rule_id, start, end in self._filter.ranges(doc):
            # A Matcher run on a Span gives positions within the Span.
            found = self._matchers[rule_id](doc[start:end])
            raw.extend((m, start + s, start + e) for m, s, e in found)
        return raw

    def __call__(self, doc: Doc) -> list[Hit]:
        """All hits in ``doc``, merged per code, sorted by position."""
        raw = self.pattern_matches(doc)
        for matcher in self._phrases.values():
            raw.extend(matcher(doc))
        by_code: dict[str, list[Hit]] = {}
        for match_id, start, end in raw:
            rule_id = doc.vocab.strings[match_id]
            code, _ = self.rules[rule_id]
            by_code.setdefault(code, []).append(Hit(code, rule_id, start, end))
        merged: list[Hit] = []
        for hits in by_code.values():
            hits.sort(key=lambda h: (h.start, -(h.end - h.start), self._order[h.rule]))
            last_end = -1
            for hit in hits:
                if hit.start >= last_end:
                    merged.append(hit)
                    last_end = hit.end
        merged.sort(key=lambda h: (h.start, h.end, h.code))
        return merged
