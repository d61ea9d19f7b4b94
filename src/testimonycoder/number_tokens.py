"""Token flags for attribute patterns: numbers, currencies and duration units.

The codebook's attribute patterns test ``{_: {tc_num: true}}`` (a token of a number written in
digits or words, including joiners such as the "-" of "twenty-two"), ``tc_currency`` (a currency
word or symbol, or a token such as "￥5000") and ``tc_unit`` (a duration unit). :class:`TokenFlags`
sets them before matching and clears them afterwards, so that they do not travel with the Doc.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy
from spacy.attrs import ENT_ID, ENT_KB_ID, ENT_TYPE, IS_SPACE, LOWER
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Token
from spacy.vocab import Vocab

from testimonycoder.codebook import Attributes
from testimonycoder.numbers import (
    CARDINAL_WORDS,
    DIGITS,
    MULTIPLICATIVE,
    ORDINALS,
    SCALES,
    TENS,
    UNITS,
    digits_value,
    is_digit_number,
    parse_number,
)

FLAGS = ("tc_num", "tc_currency", "tc_unit")

for _name in FLAGS:
    if not Token.has_extension(_name):
        Token.set_extension(_name, default=False)

# While the flags are set, they are also written to token fields that this pipeline never fills
# otherwise (it has no entity recogniser or linker), and :func:`native_pattern` rewrites the
# patterns' ``_`` tests into tests of these fields. spaCy's Matcher reads extension attributes in
# Python for every token it looks at, which made them most of the cost of attribute extraction;
# the native fields are compared in C. The fields are restored when the flags are cleared.
# (Not TAG, POS, MORPH, LEMMA or DEP: the Matcher refuses those on a Doc without them.)
NATIVE_FIELDS = {"tc_num": ENT_ID, "tc_currency": ENT_KB_ID, "tc_unit": ENT_TYPE}
_NATIVE_KEYS = {"tc_num": "ENT_ID", "tc_currency": "ENT_KB_ID", "tc_unit": "ENT_TYPE"}
_NATIVE_VALUE = "testimonycoder.{}"

# Properties of a lower-cased word, as bits (computed once per word, see TokenFlags._bits).
_NUM = 1  # a number in digits, or a cardinal word
_FUSED = 2  # a number fused with a currency or a range ("￥5000", "5,000-8,000")
_UNIT = 4  # a duration unit
_A = 8  # "a" or "an"
_DASH = 16
_AND = 32
_TENS = 64
_UNITS = 128  # "one" .. "nineteen"
_SCALE = 256
_CARDINAL = 512


@dataclass(slots=True)
class Marks:
    """The flags of one Doc, as set by :meth:`TokenFlags.mark` (one array entry per token)."""

    currency_at: dict[int, str]  # token index -> currency id
    num: numpy.ndarray
    currency: numpy.ndarray
    unit: numpy.ndarray
    saved: numpy.ndarray | None = None  # the native fields before marking

    @property
    def flagged(self) -> numpy.ndarray:
        """True for every token that carries any flag."""
        return self.num | self.currency | self.unit


class TokenFlags:
    """Sets and clears the ``tc_*`` flags of a Doc for one codebook's attributes."""

    def __init__(self, vocab: Vocab, spec: Attributes, make_doc: Callable[[str], Doc]) -> None:
        self._currencies = PhraseMatcher(vocab, attr="LOWER")
        for cur in spec.currencies:
            self._currencies.add(cur.id, [make_doc(t) for t in cur.terms])
        terms = {t.lower(): c.id for c in spec.currencies for t in c.terms if " " not in t}
        self._fused = fused_pattern(list(terms))
        self._fused_terms = terms
        self.units = {w.lower(): unit for unit, words in spec.units.items() for w in words}
        self._strings = vocab.strings
        # Per lower-cased word (its hash): property bits, and the currency of a fused token.
        # Bounded by the vocabulary, like spaCy's own lexeme table.
        self._word_bits: dict[int, int] = {}
        self._word_currency: dict[int, str | None] = {}
        self._native = [NATIVE_FIELDS[f] for f in FLAGS]
        self._native_values = [vocab.strings.add(_NATIVE_VALUE.format(f)) for f in FLAGS]

    def _bits(self, key: int) -> int:
        """Property bits of the lower-cased word with hash ``key`` (cached)."""
        bits = self._word_bits.get(key)
        if bits is not None:
            return bits
        low = self._strings[key]
        bits = 0
        if is_digit_number(low) or low in CARDINAL_WORDS:
            bits |= _NUM
        elif any(c.isdigit() for c in low) and self._fused.match(low):
            bits |= _FUSED
            self._word_currency[key] = fused_currency(low, self._fused_terms)
        for flag, words in (
            (_UNIT, self.units),
            (_A, ("a", "an")),
            (_TENS, TENS),
            (_UNITS, UNITS),
            (_SCALE, SCALES),
            (_CARDINAL, CARDINAL_WORDS),
        ):
            if low in words:
                bits |= flag
        bits |= _DASH if low == "-" else _AND if low == "and" else 0
        self._word_bits[key] = bits
        return bits

    def mark(self, doc: Doc) -> Marks:
        """Set the flags (extension attributes and native fields); return them as arrays."""
        arr = doc.to_array([LOWER, IS_SPACE])
        lowers = arr[:, 0]
        # The bits of each distinct word, spread to its tokens.
        keys, inverse = numpy.unique(lowers, return_inverse=True)
        known = self._word_bits
        bits = numpy.array(
            [known[k] if k in known else self._bits(k) for k in keys.tolist()], dtype=numpy.int64
        )[inverse]
        num = (bits & (_NUM | _FUSED)) != 0
        num |= _joiners(bits, arr[:, 1] != 0)
        currency = numpy.zeros(len(doc), dtype=bool)
        currency_at: dict[int, str] = {}
        for match_id, start, end in self._currencies(doc):
            for i in range(start, end):
                currency_at.setdefault(i, doc.vocab.strings[match_id])
            currency[start:end] = True
        for i in numpy.flatnonzero(bits & _FUSED).tolist():
            cur = self._word_currency[int(lowers[i])]
            if cur is not None:
                currency[i] = True
                currency_at[i] = cur
        marks = Marks(currency_at, num, currency, (bits & _UNIT) != 0)
        self._write(doc, marks)
        return marks

    def _write(self, doc: Doc, marks: Marks) -> None:
        """Set the extension attributes of the flagged tokens, and the native fields."""
        columns = (marks.num, marks.currency, marks.unit)
        for name, flags in zip(FLAGS, columns, strict=True):
            for i in numpy.flatnonzero(flags).tolist():
                doc[i]._.set(name, True)
        marks.saved = doc.to_array(self._native)
        native = numpy.zeros_like(marks.saved)
        for col, (flags, value) in enumerate(zip(columns, self._native_values, strict=True)):
            native[flags, col] = value
        doc.from_array(self._native, native)  # type: ignore[arg-type]

    def clear(self, doc: Doc, marks: Marks | None = None) -> None:
        """Drop the flags so that they do not travel with the Doc (they live in user_data)."""
        for key in [
            k
            for k in doc.user_data
            if isinstance(k, tuple) and len(k) == 4 and k[0] == "._." and k[1] in FLAGS
        ]:
            del doc.user_data[key]
        if marks is not None and marks.saved is not None:
            doc.from_array(self._native, marks.saved)  # type: ignore[arg-type]
            marks.saved = None


def _joiners(bits: numpy.ndarray, is_space: numpy.ndarray) -> numpy.ndarray:
    """Tokens inside a number written in words (see :func:`is_number_joiner`), vectorised."""
    prev = numpy.concatenate(([0], bits[:-1]))
    nxt = numpy.concatenate((bits[1:], [0]))
    return (
        ((bits & _A) != 0) & ((nxt & _SCALE) != 0)
        | ((bits & _DASH) != 0) & ((prev & _TENS) != 0) & ((nxt & _UNITS) != 0)
        | ((bits & _AND) != 0) & ((prev & _SCALE) != 0) & ((nxt & _CARDINAL) != 0)
        | is_space & ((prev & _CARDINAL) != 0) & ((nxt & _CARDINAL) != 0)
    )


def native_pattern(pattern: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``pattern`` with its ``{_: {tc_*: true}}`` tests rewritten to the flags' native fields.

    Other extension tests, and tokens that already test one of those fields, stay as they are.
    """
    out = []
    for token in pattern:
        ext = token.get("_")
        if not isinstance(ext, dict):
            out.append(token)
            continue
        new = {k: v for k, v in token.items() if k != "_"}
        rest = {}
        for name, value in ext.items():
            key = _NATIVE_KEYS.get(name)
            if value is True and key is not None and key not in new:
                new[key] = _NATIVE_VALUE.format(name)
            else:
                rest[name] = value
        if rest:
            new["_"] = rest
        out.append(new)
    return out


def is_number_joiner(words: list[str], i: int, is_space: bool) -> bool:
    """A token inside a number written in words: "twenty-two", "a hundred and fifty",
    "a thousand", or a line break in "twenty-two\\nthousand yuan" (text from PDF)."""
    low = words[i]
    nxt = words[i + 1] if i + 1 < len(words) else ""
    if low in ("a", "an"):
        return nxt in SCALES
    if i == 0 or not nxt:
        return False
    prev = words[i - 1]
    return (
        (low == "-" and prev in TENS and nxt in UNITS)
        or (low == "and" and prev in SCALES and nxt in CARDINAL_WORDS)
        or (is_space and prev in CARDINAL_WORDS and nxt in CARDINAL_WORDS)
    )


def fused_pattern(terms: list[str]) -> re.Pattern[str]:
    """Tokens that hold a number and a currency or a range: "￥5000", "5000yuan", "5,000-¥8,000"."""
    escaped = sorted((re.escape(t) for t in terms), key=len, reverse=True)
    cur = "(?:" + "|".join(escaped) + ")" if escaped else "(?!)"
    amount = rf"{cur}?\d[\d,]*(?:\.\d+)?{cur}?"
    return re.compile(rf"^(?=.*\d)(?=.*(?:{cur}|[–—-]))(?:{amount})(?:[–—-]{amount})?$")


def fused_currency(text: str, terms: dict[str, str]) -> str | None:
    letters = DIGITS.sub(" ", text).replace("–", " ").replace("—", " ").replace("-", " ")
    for part in letters.split():
        if part in terms:
            return terms[part]
    return None


def number_groups(doc: Doc, start: int, end: int) -> list[tuple[int, int]]:
    """Runs of ``tc_num`` tokens in ``start:end`` ("12" and "14" in "aged 12 and 14")."""
    groups: list[tuple[int, int]] = []
    i = start
    while i < end:
        if doc[i]._.tc_num and doc[i].lower_ not in ("-", "and", "a", "an"):
            j = i
            while j < end and doc[j]._.tc_num:
                j += 1
            while doc[j - 1].lower_ in ("-", "and") or doc[j - 1].is_space:
                j -= 1
            groups.append((i, j))
            i = j
        else:
            i += 1
    return groups


def group_values(doc: Doc, start: int, end: int) -> list[float]:
    """One value, or two for a range written in one token ("5,000-¥8,000")."""
    words = [t.text for t in doc[start:end]]
    value = parse_number(words)
    if value is not None:
        return [value]
    return [digits_value(d) for w in words for d in DIGITS.findall(w)][:2]


def first_value(doc: Doc, groups: list[tuple[int, int]], start: int, end: int) -> float | None:
    """The value of the first number group, else of a word like "twice" or "third"."""
    if groups:
        return parse_number([t.text for t in doc[groups[0][0] : groups[0][1]]])
    for token in doc[start:end]:
        if token.lower_ in MULTIPLICATIVE:
            return MULTIPLICATIVE[token.lower_]
        if token.lower_ in ORDINALS:
            return ORDINALS[token.lower_]
    return None
