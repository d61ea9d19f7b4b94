"""Ordered, bounded fan-out: results come back in input order, never far ahead of the writer."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from testimonycoder.document import Document
from testimonycoder.parallel import batches, ordered_results


def test_batches_cut_lazily_with_a_short_last_batch() -> None:
    docs = [Document(id=str(i), text=f"t{i}") for i in range(7)]
    assert [len(b) for b in batches(docs, 3)] == [3, 3, 1]
    assert next(batches(iter(docs), 2)) == [("0", "t0"), ("1", "t1")]


def test_results_in_order_with_bounded_window() -> None:
    consumed = 0

    def work():  # type: ignore[no-untyped-def]
        nonlocal consumed
        for i in range(20):
            consumed += 1
            yield [(str(i), "x")]

    with ThreadPoolExecutor(4) as pool:
        seen = []
        stream = ordered_results(
            lambda b: pool.submit(lambda: [b[0][0]]),
            work(),
            max_in_flight=3,
            result=Future.result,
        )
        for item in stream:
            seen.append(item)
            # The producer is never more than the window ahead of what has been yielded.
            assert consumed - len(seen) <= 3
    assert seen == [str(i) for i in range(20)]


def test_worker_error_is_raised_and_pending_work_cancelled() -> None:
    cancelled = []

    def fail(b):  # type: ignore[no-untyped-def]
        fut: Future[list[str]] = Future()
        if b[0][0] == "2":
            fut.set_exception(ValueError("bad batch 2"))
        else:
            fut.set_result([b[0][0]])
        return fut

    stream = ordered_results(
        fail,
        ([(str(i), "x")] for i in range(10)),
        max_in_flight=4,
        result=Future.result,
        cancel=cancelled.append,
    )
    with pytest.raises(ValueError, match="bad batch 2"):
        list(stream)
    assert len(cancelled) == 3  # batches 3, 4, 5 were in flight


def test_usable_cpus_without_an_affinity_call(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # macOS and Windows have no os.sched_getaffinity: fall back to the machine's count.
    import os

    from testimonycoder import parallel

    assert parallel.usable_cpus() >= 1
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    assert parallel.usable_cpus() == 3
