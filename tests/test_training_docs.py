"""Training features computed on forked processes equal those of one process."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from testimonycoder import training_docs
from testimonycoder.model import TestimonyClassifier
from testimonycoder.parallel import fork_available

from ._texts import EDGE_TEXTS, TEXTS

CODES = ["coercion", "abduction", "sale", "prostitution", "cybersex", "forced_marriage"]


def _same(a: sp.csr_matrix, b: sp.csr_matrix) -> bool:
    return (
        a.shape == b.shape
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and np.array_equal(a.data, b.data)
    )


@pytest.mark.skipif(not fork_available(), reason="needs fork")
def test_forked_chunks_give_the_features_of_one_process(nlp, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    texts = (TEXTS + EDGE_TEXTS) * 3  # 42 texts, some empty: chunks of 5 end mid-list
    featurizer = TestimonyClassifier(CODES)._featurizer()
    monkeypatch.setattr(training_docs, "MIN_PARALLEL", 1)
    monkeypatch.setattr(training_docs, "CHUNK", 1000)
    rules1, one = training_docs.rules_and_features(nlp, featurizer, texts, CODES)
    monkeypatch.setattr(training_docs, "CHUNK", 5)
    monkeypatch.setattr(training_docs, "usable_cpus", lambda: 2)
    rules2, many = training_docs.rules_and_features(nlp, featurizer, texts, CODES)

    assert rules1.shape == (len(texts), len(CODES)) and rules1.sum() > 0
    assert np.array_equal(rules1, rules2)
    for name in ("sentences", "passages", "documents"):
        assert _same(getattr(one, name), getattr(many, name)), name
    assert np.array_equal(one.offsets, many.offsets)
    assert one.spans == many.spans and one.questions == many.questions
    assert len(many.spans) == len(texts) and many.offsets[-1] == many.sentences.shape[0]
