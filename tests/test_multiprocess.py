"""``n_process=2`` must give exactly the output of ``n_process=1`` (same records, same order)."""

from __future__ import annotations

import pytest

from testimonycoder.coding import code_documents
from testimonycoder.parallel import fork_available
from tests._texts import documents


def _records(nlp, n_process: int, batch_size: int = 3) -> list[dict]:  # type: ignore[no-untyped-def]
    codings = code_documents(documents(), nlp=nlp, batch_size=batch_size, n_process=n_process)
    return [c.to_dict() for c in codings]


def test_two_processes_match_one(nlp) -> None:  # type: ignore[no-untyped-def]
    one = _records(nlp, 1)
    two = _records(nlp, 2)
    assert [r["id"] for r in two] == [d.id for d in documents()]
    assert two == one
    # The evidence written by the components (doc._.evidence) survived the worker processes.
    assert sum(len(r["evidence"]) for r in two) > 0
    assert any(r["codes"] for r in two)


def test_spacy_multiprocessing_keeps_extension_data(nlp) -> None:  # type: ignore[no-untyped-def]
    """doc._.evidence lives in doc.user_data, which spaCy serialises between processes.

    msgpack turns the evidence tuples into lists on the way; the values are the same.
    """
    texts = [d.text for d in documents(8)]

    def data(docs):  # type: ignore[no-untyped-def]
        return [([tuple(e) for e in d._.evidence], d._.codes, d._.subcodes) for d in docs]

    single = data(nlp.pipe(texts))
    multi = data(nlp.pipe(texts, n_process=2))
    assert multi == single
    assert any(ev for ev, _, _ in multi)


@pytest.mark.skipif(not fork_available(), reason="needs the fork start method")
def test_uneven_last_batch_and_more_processes_than_batches(nlp) -> None:  # type: ignore[no-untyped-def]
    assert _records(nlp, 3, batch_size=7) == _records(nlp, 1, batch_size=7)
    assert _records(nlp, 4, batch_size=100) == _records(nlp, 1)
