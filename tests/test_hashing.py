"""hashing.py gives exactly the matrices scikit-learn's HashingVectorizer and normalize give."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize
from sklearn.utils.murmurhash import murmurhash3_32

from testimonycoder.hashing import NgramHasher, feature_column, normalize_rows
from tests._texts import EDGE_TEXTS

TEXTS = [*EDGE_TEXTS, "sale|asserted sale|asserted|self buy_me|asserted"]


def _sklearn(analyzer: str, ngram_range: tuple[int, int], n: int) -> HashingVectorizer:
    return HashingVectorizer(
        n_features=n,
        ngram_range=ngram_range,
        analyzer=analyzer,
        token_pattern=r"\S+",
        lowercase=analyzer == "char_wb",
        alternate_sign=False,
        norm=None,
    )


def _same(a: sp.spmatrix, b: sp.spmatrix) -> bool:
    a, b = sp.csr_matrix(a), sp.csr_matrix(b)
    return (
        a.shape == b.shape
        and a.dtype == b.dtype
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and np.array_equal(a.data, b.data)
    )


CASES = [("word", (1, 2), 2**10), ("word", (1, 1), 2**6), ("char_wb", (3, 5), 2**10)]


@pytest.mark.parametrize(("analyzer", "ngram_range", "n"), CASES)
def test_counts_equal_hashing_vectorizer(analyzer, ngram_range, n) -> None:  # type: ignore[no-untyped-def]
    ours = NgramHasher(n, analyzer, ngram_range)
    assert _same(ours.transform(TEXTS), _sklearn(analyzer, ngram_range, n).transform(TEXTS))
    # a second call is served from the column cache
    assert _same(ours.transform(TEXTS), _sklearn(analyzer, ngram_range, n).transform(TEXTS))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.text(max_size=60), min_size=1, max_size=6), st.sampled_from(CASES))
def test_counts_equal_hashing_vectorizer_on_any_text(texts: list[str], case) -> None:  # type: ignore[no-untyped-def]
    analyzer, ngram_range, n = case
    ours = NgramHasher(n, analyzer, ngram_range).transform(texts)
    assert _same(ours, _sklearn(analyzer, ngram_range, n).transform(texts))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30), st.sampled_from([2**4, 2**16, 1000, 7]))
def test_feature_column_equals_murmurhash3_32(feature: str, n: int) -> None:
    h = murmurhash3_32(feature.encode("utf-8"), seed=0)
    expected = (2**31 - 1 - (n - 1)) % n if h == -(2**31) else abs(h) % n
    assert feature_column(feature, n) == expected


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_normalize_rows_equals_sklearn(dtype) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    for density in (0.001, 0.05, 0.5):
        m = sp.random(300, 2000, density=density, format="csr", random_state=rng, dtype=dtype)
        # wide ranges of magnitude, long and empty rows: rounding depends on the order of sums
        m.data = (m.data * 10.0 ** rng.integers(-6, 6, len(m.data))).astype(dtype)
        m = sp.vstack([m, sp.csr_matrix((2, 2000), dtype=dtype)], format="csr")
        ours = normalize_rows(m)
        assert _same(ours, normalize(m))
        assert _same(m, sp.csr_matrix(m))  # the input is left alone


def test_tiny_features_the_real_way() -> None:
    """The featurizer's blocks (log counts, normalised, weighted) match the sklearn pipeline."""
    counts = NgramHasher(2**12, "char_wb", (3, 5)).transform(TEXTS).astype(np.float32)
    counts.data = np.log1p(counts.data)
    assert _same(normalize_rows(counts) * 0.8, normalize(counts) * 0.8)
