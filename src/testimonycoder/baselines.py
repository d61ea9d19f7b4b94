"""A plain keyword baseline, to show what the rules' context and the model add.

A code is predicted when any of its keywords occurs anywhere in the text (lower-cased substring
match), with no context, no negation and no model. This is how a naive keyword search in a QDA
tool would code the corpus.
"""

from __future__ import annotations

KEYWORDS: dict[str, tuple[str, ...]] = {
    "coercion": (
        "promise",
        "deceiv",
        "trick",
        "lied",
        "persuad",
        "job offer",
        "offered me",
        "false",
    ),
    "abduction": ("kidnap", "abduct", "grabbed", "snatch", "dragged", "by force"),
    "sale": ("sold", "bought", "sell ", "buy ", "price", "yuan", "paid for"),
    "prostitution": (
        "brothel",
        "prostitut",
        "madam",
        "pimp",
        "karaoke",
        "sauna",
        "massage",
        "customers",
        "clients",
    ),
    "cybersex": ("webcam", "camera", "cybersex", "video chat", "online", "computer", "live stream"),
    "forced_marriage": ("wife", "husband", "married", "marriage", "bride"),
}


def keyword_codes(text: str, codes: list[str]) -> list[str]:
    """Codes whose keywords occur in ``text``."""
    lowered = text.lower()
    return [c for c in codes if any(k in lowered for k in KEYWORDS.get(c, ()))]
