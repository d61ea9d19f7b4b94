"""Hashed n-gram counts and row normalisation, without importing scikit-learn.

The classifier's features were built with scikit-learn's ``HashingVectorizer`` and
``normalize``. Importing scikit-learn takes over a second (it pulls in scipy.stats and more),
which every ``testimonycoder code`` run paid before coding its first document. This module gives
the same matrices, bit for bit, from the MurmurHash3 that spaCy already ships (the ``murmurhash``
package: the same 32-bit x86 variant and seed as scikit-learn's ``murmurhash3_32``) and a few
numpy/scipy operations. ``tests/test_hashing.py`` compares both on arbitrary text.

Only what the features use is implemented: ``alternate_sign=False``, ``norm=None``, word n-grams
of ``\\S+`` tokens without lower-casing, and ``char_wb`` n-grams of lower-cased text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import scipy.sparse as sp
from murmurhash.mrmr import hash_unicode

_TOKENS = re.compile(r"\S+")
_WHITESPACE = re.compile(r"\s\s+")
_INT32_MIN = -(2**31)
# Feature strings whose column is remembered; emptied when full, so memory stays bounded.
COLUMN_CACHE_SIZE = 50_000


def feature_column(feature: str, n_features: int) -> int:
    """The column of ``feature``, as ``sklearn.feature_extraction.FeatureHasher`` computes it."""
    h = hash_unicode(feature)
    if h == _INT32_MIN:  # abs(-2**31) does not fit in 32 bits; scikit-learn's special case
        return (2147483647 - (n_features - 1)) % n_features
    return abs(h) % n_features


def char_wb_ngrams(text: str, min_n: int, max_n: int) -> list[str]:
    """scikit-learn's ``char_wb`` analyser (after lower-casing): n-grams inside words, padded."""
    text = _WHITESPACE.sub(" ", text.lower())
    ngrams: list[str] = []
    append = ngrams.append
    for w in text.split():
        w = " " + w + " "
        w_len = len(w)
        for n in range(min_n, max_n + 1):
            offset = 0
            append(w[offset : offset + n])
            while offset + n < w_len:
                offset += 1
                append(w[offset : offset + n])
            if offset == 0:  # a short word (w_len < n) is counted once
                break
    return ngrams


def word_ngrams(text: str, min_n: int, max_n: int) -> list[str]:
    """scikit-learn's ``word`` analyser with ``token_pattern=r"\\S+"`` and no lower-casing."""
    tokens = _TOKENS.findall(text)
    if max_n == 1:
        return tokens
    out = list(tokens) if min_n == 1 else []
    for n in range(max(min_n, 2), min(max_n + 1, len(tokens) + 1)):
        for i in range(len(tokens) - n + 1):
            out.append(" ".join(tokens[i : i + n]))
    return out


class NgramHasher:
    """Counts of hashed n-grams per text: ``HashingVectorizer(alternate_sign=False, norm=None)``.

    Args:
        n_features: number of columns.
        analyzer: ``"word"`` (``\\S+`` tokens, case kept) or ``"char_wb"`` (lower-cased).
        ngram_range: ``(min_n, max_n)``.
    """

    def __init__(self, n_features: int, analyzer: str, ngram_range: tuple[int, int]) -> None:
        if analyzer not in ("word", "char_wb"):
            raise ValueError(f"unsupported analyzer {analyzer!r}")
        self.n_features = n_features
        self.analyzer = analyzer
        self.ngram_range = ngram_range
        self._columns: dict[str, int] = {}

    def analyze(self, text: str) -> list[str]:
        if self.analyzer == "word":
            return word_ngrams(text, *self.ngram_range)
        return char_wb_ngrams(text, *self.ngram_range)

    def column(self, feature: str) -> int:
        """The column of one n-gram (remembered)."""
        col = self._columns.get(feature)
        if col is None:
            if len(self._columns) >= COLUMN_CACHE_SIZE:
                self._columns.clear()
            col = self._columns[feature] = feature_column(feature, self.n_features)
        return col

    def transform(self, texts: Iterable[str]) -> sp.csr_matrix:
        """A float64 CSR matrix of counts, duplicates summed and column indices sorted."""
        indices: list[int] = []
        indptr = [0]
        for text in texts:
            indices.extend(map(self.column, self.analyze(text)))
            indptr.append(len(indices))
        matrix = sp.csr_matrix(
            (
                np.ones(len(indices), dtype=np.float64),
                np.asarray(indices, dtype=np.int32),
                np.asarray(indptr, dtype=np.int64 if len(indices) > 2**31 - 1 else np.int32),
            ),
            shape=(len(indptr) - 1, self.n_features),
        )
        matrix.sum_duplicates()  # also sorts the indices, as FeatureHasher does
        return matrix


def normalize_rows(matrix: sp.spmatrix) -> sp.csr_matrix:
    """A copy of ``matrix`` with each row scaled to unit L2 norm (all-zero rows unchanged).

    The same arithmetic as ``sklearn.preprocessing.normalize(matrix)`` on a sparse float matrix:
    the squares are computed in the data's precision and summed in float64 in storage order,
    and each value is divided in float64 and stored back in the data's precision.
    """
    out = sp.csr_matrix(matrix, copy=True)
    if out.dtype not in (np.float32, np.float64):
        out = out.astype(np.float64)
    data = out.data
    sums = _sequential_row_sums((data * data).astype(np.float64), out.indptr)
    norms = np.sqrt(sums)
    norms[sums == 0.0] = 1.0  # rows left as they are (x / 1.0 == x)
    lengths = np.diff(out.indptr)
    out.data = (data.astype(np.float64) / np.repeat(norms, lengths)).astype(data.dtype)
    return out


def _sequential_row_sums(values: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """Per-row sums of ``values`` (float64) added left to right, as a C loop does.

    numpy's ``sum`` and ``reduceat`` add in pairs, which rounds differently. scipy's sparse
    matrix-vector product is a plain loop over each row in storage order, so a one-column matrix
    holding ``values`` times ``[1.0]`` (an exact product) adds them in order.
    """
    column = sp.csr_matrix(
        (values, np.zeros(len(values), dtype=np.int32), indptr), shape=(len(indptr) - 1, 1)
    )
    return np.asarray(column @ np.ones(1, dtype=np.float64)).ravel()
