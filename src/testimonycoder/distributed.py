"""The Dask engine: ``testimonycoder code ... --engine dask [--scheduler tcp://host:8786]``.

Batches of ``(id, text)`` pairs are submitted to a Dask cluster. Each worker process builds the
pipeline once (see :func:`testimonycoder.parallel.worker_pipeline`) and codes whole batches. At
most a few batches per worker thread are in flight at a time, so memory on the client does not
grow with the corpus, and results are yielded in input order: the output is identical to the
local engine's.

Without a scheduler address a ``LocalCluster`` is started with one single-threaded worker process
per core and no dashboard (no web server is opened). With an address, the client connects to a
running cluster: Dask on Kubernetes, on YARN, or on an HPC batch system through dask-jobqueue.
The workers need testimonycoder installed, and the same codebook and model paths must be readable
on them (a shared filesystem), because paths are sent rather than objects.

Dask is an optional extra: ``pip install "testimonycoder[dask]"``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from testimonycoder.document import Coding, Document
from testimonycoder.errors import TestimonyCoderError
from testimonycoder.parallel import batches, code_batch, ordered_results

if TYPE_CHECKING:
    from testimonycoder.model import TestimonyClassifier
    from testimonycoder.scorer import ModelScorer

# Batches in flight per worker thread: enough to keep every worker busy while the client writes.
_IN_FLIGHT_PER_THREAD = 2


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise TestimonyCoderError(
            "--engine dask needs Dask: install it with 'pip install \"testimonycoder[dask]\"'"
        ) from None
    return distributed


def _client(scheduler: str | None, n_workers: int | None) -> tuple[Any, Any]:
    """A ``(client, cluster)`` pair; ``cluster`` is None when connecting to a running one."""
    distributed = _import_distributed()
    if scheduler is None:
        cluster = distributed.LocalCluster(
            n_workers=n_workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        return distributed.Client(cluster), cluster
    try:
        return distributed.Client(scheduler, timeout="30s"), None
    except (OSError, TimeoutError) as exc:
        raise TestimonyCoderError(
            f"cannot reach the Dask scheduler at {scheduler} ({exc}); check the address "
            "(tcp://host:8786) and that the scheduler is running"
        ) from None


def _model_spec(model: ModelScorer | TestimonyClassifier | Path | str | None) -> Any:
    """A model folder goes to the workers as a path (each loads it once); an object is pickled."""
    if isinstance(model, Path | str):
        return str(Path(model).resolve())
    return model


def code_documents_dask(
    documents: Iterable[Document],
    *,
    codebook_path: Path | str | None,
    model: ModelScorer | TestimonyClassifier | Path | str | None,
    batch_size: int,
    scheduler: str | None,
    n_workers: int | None = None,
) -> Iterator[Coding]:
    """Code ``documents`` on a Dask cluster, yielding codings in input order.

    Args:
        documents: the documents (consumed lazily).
        codebook_path: the codebook YAML (None: the bundled one); must be readable on the workers.
        model: a model folder (preferred: sent as a path), a loaded model, or None (rules only).
        batch_size: documents per task.
        scheduler: address of a running scheduler (``tcp://host:8786``); None starts a
            ``LocalCluster`` on this machine.
        n_workers: worker processes of the ``LocalCluster`` (default: one per core).

    Raises:
        TestimonyCoderError: Dask is not installed or the scheduler cannot be reached.
    """
    client, cluster = _client(scheduler, n_workers)
    book = str(Path(codebook_path).resolve()) if codebook_path is not None else None
    spec = _model_spec(model)
    if spec is not None and not isinstance(spec, str):
        spec = client.scatter(spec, broadcast=True)  # ship a model object once, not per task
    try:
        threads = sum(client.nthreads().values()) or 1
        yield from ordered_results(
            lambda b: client.submit(code_batch, b, book, spec, pure=False),
            batches(documents, batch_size),
            max_in_flight=_IN_FLIGHT_PER_THREAD * threads,
            result=lambda f: f.result(),
            cancel=lambda f: f.cancel(),
        )
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
