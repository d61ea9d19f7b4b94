"""Numbers written in digits or English words: "24,000", "seven thousand", "twenty-two", "twice".

A hand-written parser because the number-word libraries on PyPI (word2number, text2num) either
raise on anything unexpected or pull in locale data we do not need; testimony amounts use a small,
regular vocabulary.
"""

from __future__ import annotations

import re

UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
MULTIPLICATIVE = {"once": 1, "twice": 2, "thrice": 3}
ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
}
CARDINAL_WORDS = frozenset(UNITS) | frozenset(TENS) | frozenset(SCALES)

DIGITS = re.compile(r"\d[\d,]*(?:\.\d+)?")
_DIGIT_TOKEN = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^\d+(?:\.\d+)?$")


def is_digit_number(text: str) -> bool:
    """True for "24,000", "3500" and "1.5"; false for "2nd", "10km" or "1,2,3"."""
    return bool(_DIGIT_TOKEN.match(text))


def digits_value(text: str) -> float:
    return float(text.replace(",", ""))


def parse_number(words: list[str]) -> float | None:
    """The value of a number written as tokens, or None if they are not a number.

    >>> parse_number(["twenty", "-", "two", "thousand"])
    22000.0
    >>> parse_number(["1.5", "million"])
    1500000.0
    """
    total = 0.0
    current = 0.0
    seen = False
    for raw in words:
        word = raw.lower().strip()
        if word in ("-", "and", ""):
            continue
        if word in ("a", "an"):
            current = current or 1.0
            continue
        if is_digit_number(word):
            current += digits_value(word)
        elif word in UNITS:
            current += UNITS[word]
        elif word in TENS:
            current += TENS[word]
        elif word == "hundred":
            current = (current or 1.0) * 100
        elif word in SCALES:
            total += (current or 1.0) * SCALES[word]
            current = 0.0
        elif word in MULTIPLICATIVE:
            current += MULTIPLICATIVE[word]
        elif word in ORDINALS:
            current += ORDINALS[word]
        else:
            return None
        seen = True
    return total + current if seen else None


def as_number(value: float) -> int | float:
    """An int when the value is whole (JSON stays ``7000``, not ``7000.0``)."""
    return int(value) if float(value).is_integer() else value
