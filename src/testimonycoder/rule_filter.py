"""Where in a Doc each token pattern can match, found before running spaCy's ``Matcher``.

spaCy's ``Matcher`` starts every pattern at every token and builds a Python ``Token`` for each
set test, which made it the largest cost of coding (issue 8). Most stretches of a testimony hold
the words of few patterns, so :class:`MatchFilter` narrows the search without changing the
matches:

* A pattern can only match where every token it requires (one without a ``?`` or ``*``
  operator) finds a word passing that token's ``LOWER``/``LEMMA`` test. Words are tested once
  per distinct word, and the results combined per stretch of text with numpy.
* The stretches are the runs of tokens between sentence-ending punctuation (``.``, ``?``, ``!``,
  ``…``, ``...``, ``;``) for every pattern none of whose tokens can match such a punctuation
  token, and the whole Doc for the others. Line breaks do not end a stretch: PDF text breaks
  lines inside sentences.
* A pattern then runs from the first word that can start it to the last word that can end it,
  and a pattern of bounded length (no ``*``, ``+`` or open quantifier) only on the tokens that
  far from each word that can start it.

:class:`~testimonycoder.rules.RuleSet` runs one small ``Matcher`` per pattern on these ranges;
the matches are the ones a single ``Matcher`` over the whole Doc finds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from spacy.attrs import LOWER
from spacy.matcher import Matcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

# A word test: ("LOWER" | "LEMMA", the accepted lower-cased forms or lemmas).
_Test = tuple[str, frozenset[str]]

# Tokens that end a stretch, for the patterns that cannot match them.
TERMINATORS = (".", "?", "!", "…", "...", ";")

# Pattern keys that depend on the word alone, so a token's test can be tried on a bare word.
_WORD_KEYS = frozenset({"ORTH", "TEXT", "LOWER", "NORM", "LENGTH", "LEMMA"})
_WORD_FLAG_PREFIXES = ("IS_", "LIKE_")

# Possible starts of a bounded pattern closer than this share one Matcher call: a call costs
# about as much as looking at this many tokens.
_GAP = 8

# Distinct words whose test results are kept between Docs; the cache is cleared when full.
_CACHE_SIZE = 50_000


def _word_tests(token: Mapping[str, Any], lemmas: Mapping[str, str] | None) -> list[_Test]:
    """The LOWER/LEMMA tests a word must pass to be this pattern token."""
    tests: list[_Test] = []
    for key, value in token.items():
        attr = str(key).upper()
        if attr not in ("LOWER", "LEMMA") or (attr == "LEMMA" and lemmas is None):
            continue
        if isinstance(value, str):
            values = {value}
        elif isinstance(value, dict) and set(value) == {"IN"}:
            values = {str(v) for v in value["IN"]}
        else:
            continue
        if attr == "LOWER" and any(v != v.lower() for v in values):
            continue  # such a value never matches; spaCy's Matcher handles it as written
        tests.append((attr, frozenset(values)))
    return tests


def _max_length(pattern: Sequence[Mapping[str, Any]]) -> int:
    """The most tokens a match of ``pattern`` can span, or -1 if it has no bound."""
    total = 0
    for token in pattern:
        op = str(token.get("OP", "1"))
        if op in ("*", "+"):
            return -1
        if op.startswith("{"):
            bounds = op.strip("{}").split(",")
            if not bounds[-1].strip():
                return -1
            total += int(bounds[-1])
        else:
            total += 1  # one token, "?" and "!" (at most one token each)
    return total


def _can_match_terminator(
    pattern: Sequence[Mapping[str, Any]],
    vocab: Vocab,
    make_doc: Callable[[str], Doc],
    lemmas: Mapping[str, str] | None,
) -> bool:
    """Whether any token of ``pattern`` can match a sentence-ending punctuation token.

    Tried with spaCy's own Matcher on the punctuation words. A token test that depends on more
    than the word (part of speech, ``_`` attributes, ...) or the ``!`` operator counts as able.
    """
    words = make_doc(" ".join(TERMINATORS))
    for word in words:
        word.lemma_ = lemmas.get(word.lower_, word.lower_) if lemmas is not None else word.lower_
    for token in pattern:
        if token.get("OP") == "!":
            return True
        spec = {k: v for k, v in token.items() if k != "OP"}
        for key in spec:
            attr = str(key).upper()
            if attr not in _WORD_KEYS and not attr.startswith(_WORD_FLAG_PREFIXES):
                return True
            if attr == "LEMMA" and lemmas is None:
                return True
        matcher = Matcher(vocab)
        matcher.add("token", [[spec]])
        if matcher(words):
            return True
    return False


class MatchFilter:
    """The token ranges of a Doc worth running each pattern on."""

    def __init__(
        self,
        patterns: Mapping[str, Sequence[Mapping[str, Any]]],
        vocab: Vocab,
        make_doc: Callable[[str], Doc],
        lemmas: Mapping[str, str] | None,
    ) -> None:
        self.pattern_ids = list(patterns)
        self._lemmas = lemmas
        tests: dict[_Test, int] = {}
        required: list[set[int]] = []
        # The test of a pattern's first (last) token, if that token is required: a match starts
        # (ends) at a word that passes it. -1 when the token is optional or has no word test.
        first: list[int] = []
        last: list[int] = []
        for pattern in patterns.values():
            needs: set[int] = set()
            ends: list[int] = []
            for i, token in enumerate(pattern):
                own = [
                    tests.setdefault(test, len(tests))
                    for test in _word_tests(token, lemmas)
                    if token.get("OP") in (None, "+")
                ]
                needs.update(own)
                if i in (0, len(pattern) - 1):
                    ends.append(own[0] if own else -1)
            required.append(needs)
            first.append(ends[0])
            last.append(ends[-1])
        self._tests = list(tests)
        # The longest match of each pattern (-1: unbounded, with a `*`, `+` or open quantifier).
        self._length = [_max_length(pattern) for pattern in patterns.values()]
        self._first = np.array(first, dtype=np.intp)
        self._last = np.array(last, dtype=np.intp)
        # requires[t, p]: pattern p needs a word passing test t in the stretch.
        self._requires = np.zeros((len(tests), len(patterns)), dtype=np.float32)
        for p, needs in enumerate(required):
            self._requires[list(needs), p] = 1
        self._needed = self._requires.sum(axis=0)
        self._whole_doc = np.array(
            [_can_match_terminator(pt, vocab, make_doc, lemmas) for pt in patterns.values()],
            dtype=bool,
        )
        # Test results per distinct lower-cased word: row self._rows[word] of self._table.
        self._rows: dict[int, int] = {}
        # The last column says whether the word ends a stretch.
        self._table = np.zeros((1024, len(tests) + 1), dtype=bool)

    def ranges(self, doc: Doc) -> list[tuple[str, int, int]]:
        """``(pattern id, start, end)``: the token ranges of ``doc`` each pattern can match in.

        Ranges on the whole Doc come first, then the others in text order of their stretch;
        within a stretch, in pattern order.
        """
        n = len(doc)
        if not n or not self.pattern_ids:
            return []
        words, index = np.unique(doc.to_array(LOWER), return_inverse=True)
        if len(self._rows) + len(words) > _CACHE_SIZE:
            self._rows.clear()
        keys = words.tolist()
        cached = list(map(self._rows.get, keys))
        if None in cached:
            cached = [
                self._row(doc, k) if r is None else r for r, k in zip(cached, keys, strict=True)
            ]
        rows = np.array(cached, dtype=np.intp)
        table = self._table[rows[index.reshape(-1)]]
        passes, barrier = table[:, :-1], table[:, -1]
        # Stretches: the runs of tokens between barriers, as arrays of starts and ends.
        edges = np.flatnonzero(np.diff(np.concatenate(([True], barrier, [True])).astype(np.int8)))
        starts, ends = edges[0::2], edges[1::2]
        found = np.logical_or.reduceat(passes, starts, axis=0) if len(starts) else passes[:0]
        # float32: a BLAS product (integer matrix products in numpy are slow loops), exact here.
        ok = (found.astype(np.float32) @ self._requires == self._needed) & ~self._whole_doc
        in_doc = passes.any(axis=0, keepdims=True).astype(np.float32)
        ok_doc = (in_doc @ self._requires == self._needed) & self._whole_doc
        doc_pairs, stretch_pairs = np.nonzero(ok_doc), np.nonzero(ok)
        pattern = np.concatenate([doc_pairs[1], stretch_pairs[1]])
        if not len(pattern):
            return []
        lo = np.concatenate([np.zeros(len(doc_pairs[0]), np.intp), starts[stretch_pairs[0]]])
        hi = np.concatenate([np.full(len(doc_pairs[0]), n, np.intp), ends[stretch_pairs[0]]])
        # The first word at or after lo that can start the pattern, and the last word before
        # hi that can end it (for patterns whose first or last token is required).
        position = np.arange(n)
        first, last = self._first[pattern], self._last[pattern]
        has_first, has_last = first >= 0, last >= 0
        if has_first.any():
            columns = np.unique(first[has_first])
            after = np.where(passes[:, columns], position[:, None], n)
            after = np.minimum.accumulate(after[::-1], axis=0)[::-1]
            col = np.searchsorted(columns, first[has_first])
            lo[has_first] = after[lo[has_first], col]
        if has_last.any():
            columns = np.unique(last[has_last])
            before = np.where(passes[:, columns], position[:, None], -1)
            before = np.maximum.accumulate(before, axis=0)
            col = np.searchsorted(columns, last[has_last])
            hi[has_last] = before[hi[has_last] - 1, col] + 1
        ids, length, first_test = self.pattern_ids, self._length, self._first
        out: list[tuple[str, int, int]] = []
        for p, s, e in zip(pattern.tolist(), lo.tolist(), hi.tolist(), strict=True):
            if s >= e:
                continue
            if length[p] < 0 or first_test[p] < 0 or e - s <= 2 * length[p] + _GAP:
                out.append((ids[p], s, e))
                continue
            # A pattern of bounded length: only the tokens after each possible start.
            window: list[int] = []
            for c in (np.flatnonzero(passes[s:e, first_test[p]]) + s).tolist():
                if window and c <= window[1] + _GAP:
                    window[1] = min(e, c + length[p])
                else:
                    if window:
                        out.append((ids[p], window[0], window[1]))
                    window = [c, min(e, c + length[p])]
            if window:
                out.append((ids[p], window[0], window[1]))
        return out

    def _row(self, doc: Doc, lower: int) -> int:
        row = self._rows.get(lower)
        if row is None:
            row = len(self._rows)
            if row == len(self._table):
                self._table = np.concatenate([self._table, np.zeros_like(self._table)])
            low = doc.vocab.strings[lower]
            lemma = self._lemmas.get(low, low) if self._lemmas is not None else low
            self._table[row] = [
                *((low if attr == "LOWER" else lemma) in values for attr, values in self._tests),
                low in TERMINATORS,
            ]
            self._rows[lower] = row
        return row
