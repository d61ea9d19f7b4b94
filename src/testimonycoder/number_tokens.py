"""Token flags for attribute patterns: numbers, currencies and duration units.

The codebook's attribute patterns test ``{_: {tc_num: true}}`` (a token of a number written in
digits or words, including joiners such as the "-" of "twenty-two"), ``tc_currency`` (a currency
word or symbol, or a token such as "￥5000") and ``tc_unit`` (a duration unit). :class:`TokenFlags`
sets them before matching and clears them afterwards, so that they do not travel with the Doc.
"""

from __future__ import annotations

import re
from collections.abc import Callable

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

    def mark(self, doc: Doc) -> tuple[dict[int, str], set[int]]:
        """Set the flags; return the currency of each currency token, and all flagged tokens."""
        currency_at: dict[int, str] = {}
        flagged: set[int] = set()
        for match_id, start, end in self._currencies(doc):
            for i in range(start, end):
                currency_at.setdefault(i, doc.vocab.strings[match_id])
                doc[i]._.tc_currency = True
                flagged.add(i)
        words = [t.lower_ for t in doc]
        for i, low in enumerate(words):
            token = doc[i]
            if is_digit_number(low) or low in CARDINAL_WORDS:
                token._.tc_num = True
                flagged.add(i)
            elif any(c.isdigit() for c in low) and self._fused.match(low):
                token._.tc_num = True
                flagged.add(i)
                cur = fused_currency(low, self._fused_terms)
                if cur is not None:
                    token._.tc_currency = True
                    currency_at[i] = cur
            elif is_number_joiner(words, i, token.is_space):
                token._.tc_num = True
                flagged.add(i)
            if low in self.units:
                token._.tc_unit = True
                flagged.add(i)
        return currency_at, flagged

    @staticmethod
    def clear(doc: Doc) -> None:
        """Drop the flags so that they do not travel with the Doc (they live in user_data)."""
        for key in [
            k
            for k in doc.user_data
            if isinstance(k, tuple) and len(k) == 4 and k[0] == "._." and k[1] in FLAGS
        ]:
            del doc.user_data[key]


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
