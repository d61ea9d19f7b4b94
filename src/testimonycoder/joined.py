"""Joined documents: long training documents made from short ones, at the level of features.

Published testimony can be much longer than the documents a model is trained on (most corpus
documents are under 300 words; an interview transcript can run to thousands). A document's row
is the L2-normalised sum of its sentences, so in a long document the few sentences about a code
weigh little, and a model fitted on short documents missed codes in long ones: scored on
documents made by joining 4 or 8 documents of eight held-out authors, it lost 207 and 259 codes
and added only 8 and 1 (issue 4, 2026-11-27).

Training therefore adds joined documents. A joined document is ``k`` documents of the same part
of a fold (2 <= k <= ``join_max``, drawn at random), with:

* its row: the L2-normalised sum of its members' sentence rows, which is what
  :class:`~testimonycoder.features.Featurizer` gives for their texts joined by blank lines (the
  passages are single sentences, so no text needs reading again);
* its labels: the union of its members' codes;
* its longest-passage score, rule decisions and length: the largest and the sum of its
  members'.

The document models are fitted on the training part's documents and its joined documents; the
calibrators on the out-of-fold scores of both (see :mod:`testimonycoder.training`).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from testimonycoder.features import DocBatch, Featurizer
from testimonycoder.hashing import normalize_rows


def draw(index: np.ndarray, share: float, join_max: int, rng: np.random.Generator) -> list:
    """``round(share * len(index))`` joined documents, each 2..``join_max`` distinct documents
    of ``index`` (none when ``index`` holds fewer than 2)."""
    if len(index) < 2 or share <= 0:
        return []
    high = min(join_max, len(index))
    return [
        np.sort(rng.choice(index, size=int(rng.integers(2, high + 1)), replace=False))
        for _ in range(round(share * len(index)))
    ]


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
