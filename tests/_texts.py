"""Small testimony-like texts shared by the engine tests (codes, negations, turns, hearsay)."""

from __future__ import annotations

from testimonycoder.document import Document

TEXTS = [
    "A woman told my mother there was work in a restaurant in Yanji. It was a lie. "
    "The broker sold me to a farmer for 20,000 yuan and I lived in his house as his wife.",
    "Nobody sold me. I sold fish at the market in Dandong.",
    "Q: Were you ever sold?\nA: Yes. They sold me to a karaoke bar and I had to serve customers.",
    "I heard some girls are forced into cybersex, but I never saw it.",
    "Two men grabbed my sister and pushed her into a van. She was kidnapped.",
    "Case note. She was made to perform for a webcam in a small apartment in Shenyang.",
    "My employer kept pushing me to become his cousin's wife, but I said no every time.",
    "They threatened to sell her to a brothel.",
]

# Edge cases for the feature and hashing tests: empty and blank texts, mixed whitespace,
# non-ASCII case folding, repeated words.
EDGE_TEXTS = [
    "",
    "   ",
    "Ms. Kim from Hoeryong City\nThe broker sold me for ¥7,000 (…) I was taken to Yanji.",
    "a\u00a0b  c\t\td\n\ne",
    "Ünïcode ÉCOLE straße İstanbul",
    "the the the the",
]


def documents(n: int = 40) -> list[Document]:
    """``n`` documents cycling through :data:`TEXTS`, each made unique by a numbered header."""
    return [
        Document(id=f"doc-{i:03d}", text=f"Interview {i}\n{TEXTS[i % len(TEXTS)]}")
        for i in range(n)
    ]
