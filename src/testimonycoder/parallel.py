"""Coding on several processes: ordered, bounded fan-out of document batches.

Both multi-core engines follow one shape. The main process reads documents and cuts them into
batches. Worker processes run the whole per-document pipeline (tokeniser, rules, context, model,
building :class:`~testimonycoder.document.Coding` records). The main process writes the results.
Only ``(id, text)`` pairs go out and plain Coding records come back. spaCy's own
``nlp.pipe(n_process=...)`` ships every processed ``Doc`` back to the parent and rebuilds it
there, and then codes it in the parent too, so two processes ran barely faster than one.

* :func:`ordered_results` keeps at most ``max_in_flight`` batches submitted (back-pressure:
  memory depends on the batch size, not on the corpus) and yields results in input order, so the
  output is identical to a single-process run.
* :func:`code_documents_multiprocess` is the local ``--n-process N`` engine: forked workers
  inherit the parent's pipeline and model, so nothing has to be pickled or rebuilt.
* :func:`code_batch` is the worker side for engines that ship paths rather than objects (Dask):
  it builds the pipeline once per process and caches it.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from testimonycoder.document import Coding, Document

if TYPE_CHECKING:
    from spacy.language import Language

    from testimonycoder.model import TestimonyClassifier
    from testimonycoder.scorer import ModelScorer

Batch = list[tuple[str, str]]  # (id, text) pairs
T = TypeVar("T")


def batches(documents: Iterable[Document], size: int) -> Iterator[Batch]:
    """``(id, text)`` batches of at most ``size`` documents, read lazily."""
    stream = iter(documents)
    while chunk := [(d.id, d.text) for d in islice(stream, size)]:
        yield chunk


def ordered_results(
    submit: Callable[[Batch], Any],
    work: Iterable[Batch],
    *,
    max_in_flight: int,
    result: Callable[[Any], list[T]],
    cancel: Callable[[Any], object] = lambda f: None,
) -> Iterator[T]:
    """Submit ``work`` through ``submit`` with a bounded window and yield results in order.

    Args:
        submit: starts one batch and returns a future.
        work: the batches (consumed lazily, never more than ``max_in_flight`` ahead).
        max_in_flight: batches submitted but not yet yielded.
        result: waits for a future and returns its list of results (re-raises worker errors).
        cancel: called on every pending future when the consumer stops early or on error.
    """
    pending: deque[Any] = deque()
    try:
        for batch in work:
            pending.append(submit(batch))
            if len(pending) >= max_in_flight:
                yield from result(pending.popleft())
        while pending:
            yield from result(pending.popleft())
    finally:
        for fut in pending:
            cancel(fut)


# --- local engine: forked worker processes --------------------------------------------------

# Set in the parent just before the pool forks; the children inherit it (nothing is pickled).
_FORKED: dict[str, Any] = {}


def _code_forked_batch(batch: Batch) -> list[Coding]:
    from testimonycoder.coding import code_docs

    nlp: Language = _FORKED["nlp"]
    docs = list(nlp.pipe([text for _, text in batch], batch_size=len(batch)))
    return code_docs(
        docs, [i for i, _ in batch], codebook=_FORKED["codebook"], model=_FORKED["model"]
    )


def usable_cpus() -> int:
    """CPUs this process may run on: its affinity set where the OS has one (Linux), else the
    machine's count (macOS and Windows have no ``os.sched_getaffinity``)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def fork_available() -> bool:
    """True where worker processes can be forked (Linux, macOS), so they inherit the pipeline."""
    return "fork" in multiprocessing.get_all_start_methods()


def code_documents_multiprocess(
    documents: Iterable[Document],
    *,
    nlp: Language,
    model: ModelScorer | TestimonyClassifier | None,
    batch_size: int,
    n_process: int,
) -> Iterator[Coding]:
    """Code ``documents`` on ``n_process`` forked processes, yielding codings in input order."""
    from testimonycoder.pipeline import pipeline_codebook

    _FORKED.update(nlp=nlp, model=model, codebook=pipeline_codebook(nlp))
    # Objects that exist before the fork move to a generation the collector never scans, so the
    # workers' collections do not touch (and copy) the pages they share with the parent.
    gc.freeze()
    executor = ProcessPoolExecutor(n_process, mp_context=multiprocessing.get_context("fork"))
    try:
        yield from ordered_results(
            lambda b: executor.submit(_code_forked_batch, b),
            batches(documents, batch_size),
            max_in_flight=2 * n_process,
            result=Future.result,
            cancel=Future.cancel,
        )
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        _FORKED.clear()
        gc.unfreeze()


# --- worker side for engines that ship paths (Dask) -----------------------------------------

# One pipeline per worker process and (codebook, model) pair: building it reads the codebook and
# compiles the matchers, which costs far more than coding a batch.
_PIPELINES: dict[tuple[str | None, str | None], tuple[Any, Any]] = {}


def worker_pipeline(
    codebook_path: str | None, model_dir: str | None
) -> tuple[Language, ModelScorer | TestimonyClassifier | None]:
    """The cached ``(nlp, model)`` of this process for a codebook path and model folder."""
    key = (codebook_path, model_dir)
    if key not in _PIPELINES:
        from testimonycoder.model_io import resolve_model
        from testimonycoder.pipeline import build_nlp, pipeline_codebook

        nlp = build_nlp(codebook_path)
        model = None
        if model_dir is not None:
            model = resolve_model(Path(model_dir), pipeline_codebook(nlp))
        _PIPELINES[key] = (nlp, model)
    return _PIPELINES[key]


def code_batch(
    batch: Batch, codebook_path: str | None, model: str | ModelScorer | TestimonyClassifier | None
) -> list[Coding]:
    """Code one batch in this process; ``model`` is a model folder, a model object or None."""
    from testimonycoder.coding import code_docs
    from testimonycoder.pipeline import pipeline_codebook

    model_dir = model if isinstance(model, str) else None
    nlp, loaded = worker_pipeline(codebook_path, model_dir)
    if model is not None and not isinstance(model, str):
        loaded = model
    docs = list(nlp.pipe([text for _, text in batch], batch_size=max(1, len(batch))))
    return code_docs(docs, [i for i, _ in batch], codebook=pipeline_codebook(nlp), model=loaded)
