"""Joined documents: long training documents made from short ones, at the level of features.

Published testimony can be much longer than the documents a model is trained on (most corpus
documents are under 300 words; an interview transcript can run to thousands). A document's row
is the L2-normalised sum of its sentences, so in a long document the few sentences about a code
weigh little, and a model fitted on short documents missed codes in long ones: scored on
documents made by joining 4 or 8 documents of eight held-out authors, it lost 207 and 259 codes
and added only 8 and 1 (issue 4, 2026-11-27).

Training therefore adds joined documents. A joined document is one document of a part of a fold
(its anchor) and ``k - 1`` documents of the same part that have no code at all (2 <= k <=
``join_max``, drawn at random), with:

* its row: the L2-normalised sum of its members' sentence rows, which is what
  :class:`~testimonycoder.features.Featurizer` gives for their texts joined by blank lines (the
  passages are single sentences, so no text needs reading again);
* its labels: the anchor's codes;
* its longest-passage score, rule decisions and length: the largest and the sum of its
  members'.

The document models are fitted on the training part's documents and its joined documents; the
calibrators on the out-of-fold scores of both (see :mod:`testimonycoder.training`).

Why the other members have no code: joining documents drawn at random was tried first. The union
of several documents' codes holds most codes, so the calibrators learned that a long document
has most codes. On documents joined from 4, 8 or 16 held-out documents that all lack a code,
that code was then found in 26, 42 and 84 of 150 (10, 21 and 23 without joined documents);
with code-less members, in 8, 17 and 20, and codes of one member were missed in 32, 50 and 61
of 150 (56, 82 and 100 without joined documents). Code-less documents (refusals, ordinary
commerce, the rest of a life story) are also what most of a long testimony is made of.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from testimonycoder.features import DocBatch, Featurizer
from testimonycoder.hashing import normalize_rows


def draw(
    index: np.ndarray, Y: np.ndarray, share: float, join_max: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """``round(share * len(index))`` joined documents of ``index``: each an anchor and 1 to
    ``join_max - 1`` other documents without a code (``Y`` row all zero), as sorted indices.
    None when ``index`` holds no document without a code besides the anchor."""
    empty = index[Y[index].sum(axis=1) == 0]
    if share <= 0 or len(index) < 2 or len(empty) == 0:
        return []
    out = []
    for _ in range(round(share * len(index))):
        k = int(rng.integers(2, join_max + 1))
        anchor = rng.choice(index)
        others = empty[empty != anchor]
        if len(others) == 0:
            continue
        fill = rng.choice(others, size=min(k - 1, len(others)), replace=False)
        out.append(np.sort(np.concatenate([[anchor], fill])))
    return out


def sentence_sums(batch: DocBatch) -> sp.csr_matrix:
    """Each document's row before normalisation: the sum of its sentences but questions."""
    keep = ~np.fromiter((q for doc_q in batch.questions for q in doc_q), dtype=bool)
    return (Featurizer.doc_sum(batch.offsets, keep) @ batch.sentences).tocsr()


def _membership(members: list, n_docs: int) -> sp.csr_matrix:
    rows = np.repeat(np.arange(len(members)), [len(m) for m in members])
    cols = np.concatenate(members) if members else np.zeros(0, dtype=np.int64)
    data = np.ones(len(cols), dtype=np.float32)
    return sp.csr_matrix((data, (rows, cols)), shape=(len(members), n_docs))


def documents(sums: sp.csr_matrix, members: list) -> sp.csr_matrix:
    """The joined documents' rows (as :meth:`Featurizer.transform` makes document rows)."""
    return normalize_rows(_membership(members, sums.shape[0]) @ sums)


def union(values: np.ndarray, members: list) -> np.ndarray:
    """Per joined document, the largest of its members' rows of ``values`` (labels: the union
    of codes; rule decisions: a code any member's rules found; passage scores: the highest)."""
    if not members:
        return np.zeros((0, *values.shape[1:]), dtype=values.dtype)
    return np.stack([values[m].max(axis=0) for m in members])


def lengths(batch: DocBatch, members: list) -> np.ndarray:
    """Per joined document, the sentences the model scores (its members' together)."""
    counts = np.array([len(q) - sum(q) for q in batch.questions], dtype=np.float64)
    return np.array([counts[m].sum() for m in members], dtype=np.float64)
