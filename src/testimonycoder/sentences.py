"""Sentence boundaries of a Doc, read from arrays.

``doc.sents`` builds a Python Token for every token to find the boundaries and a Span per
sentence; the components, the features and the records each need the boundaries, so they read
them here from one ``to_array`` call instead.
"""

from __future__ import annotations

import numpy as np
from spacy.attrs import IDX, LENGTH, SENT_START
from spacy.tokens import Doc


def sentence_bounds(doc: Doc) -> list[tuple[int, int]]:
    """Token ``(start, end)`` of each sentence, as ``doc.sents`` gives them.

    A sentence starts at the first token and at every token whose ``sent_start`` is 1. A Doc
    without sentence boundaries is one sentence; an empty Doc has none.
    """
    n = len(doc)
    if n == 0:
        return []
    if not doc.has_annotation("SENT_START"):
        return [(0, n)]
    starts = [0, *(int(i) for i in np.flatnonzero(doc.to_array(SENT_START) == 1) if i)]
    return list(zip(starts, [*starts[1:], n], strict=True))


def sentence_chars(doc: Doc) -> list[tuple[int, int]]:
    """``(start_char, end_char)`` of each sentence, as each Span's ``start_char``/``end_char``."""
    arr = doc.to_array([IDX, LENGTH])
    idx, length = arr[:, 0].tolist(), arr[:, 1].tolist()
    return [(idx[s], idx[e - 1] + length[e - 1]) for s, e in sentence_bounds(doc)]
