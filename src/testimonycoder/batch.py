"""code_to_file(): read inputs, code them, and stream the codings to an output file safely.

This is what ``testimonycoder code`` runs. Output goes to a partial file with a checkpoint after
each batch (see :mod:`testimonycoder.io.checkpoint`) and appears at ``out`` only when the run is
complete. ``.qdpx`` output is a REFI-QDA project (see :mod:`testimonycoder.io.refi`).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from testimonycoder.document import Coding, Document
from testimonycoder.errors import OutputError
from testimonycoder.io.atomic import check_output_path
from testimonycoder.io.checkpoint import Checkpoint
from testimonycoder.io.readers import Warn, read_documents
from testimonycoder.io.writers import open_writer, output_format


@dataclass
class Summary:
    """Counts of a finished coding run, for the CLI's summary table."""

    documents: int = 0
    review: int = 0
    codes: Counter[str] = field(default_factory=Counter)
    subcodes: Counter[str] = field(default_factory=Counter)
    codebook: str = ""
    out: Path | None = None

    def add(self, coding: Coding) -> None:
        self.documents += 1
        self.review += int(coding.review)
        self.codes.update(coding.codes)
        self.subcodes.update(coding.subcodes)


def _fingerprint(inputs: Sequence[Path], options: Mapping[str, object]) -> str:
    h = hashlib.sha256()
    for path in inputs:
        h.update(str(path.resolve()).encode())
        if path.is_file():
            st = path.stat()
            h.update(f"{st.st_size}:{st.st_mtime_ns}".encode())
    h.update(json.dumps(options, sort_keys=True, default=str).encode())
    return h.hexdigest()[:16]


def _noop_progress(done: int) -> None:
    return None


def _noop_warn(message: str) -> None:
    return None


def code_to_file(
    inputs: Sequence[Path],
    out: Path,
    *,
    codebook_path: Path | None = None,
    model_dir: Path | None = None,
    use_model: bool = True,
    review_recall: float | None = None,
    id_column: str = "id",
    text_column: str = "text",
    skip_bad_lines: bool = False,
    batch_size: int = 64,
    n_process: int = 1,
    engine: str = "local",
    scheduler: str | None = None,
    resume: bool = False,
    force: bool = False,
    shared_permissions: bool = False,
    redact: bool = False,
    warn: Warn = _noop_warn,
    progress: Callable[[int], None] = _noop_progress,
) -> Summary:
    """Code every document of ``inputs`` into ``out`` (.jsonl, .csv, .parquet or .qdpx).

    Raises:
        InputError, CodebookError, ModelError, OutputError: with a message naming the problem.
    """
    from testimonycoder.coding import code_documents
    from testimonycoder.model_io import resolve_model
    from testimonycoder.pipeline import build_nlp, pipeline_codebook

    fmt = output_format(out)
    if not (resume and fmt in (".jsonl", ".csv")):
        check_output_path(out, force=force)
    elif out.exists() and not force:
        raise OutputError(f"{out}: already exists; pass --force to overwrite it")
    nlp = build_nlp(codebook_path)
    codebook = pipeline_codebook(nlp)
    model = resolve_model(model_dir, codebook, use_model=use_model, review_recall=review_recall)
    documents = read_documents(
        inputs,
        id_column=id_column,
        text_column=text_column,
        skip_bad_lines=skip_bad_lines,
        warn=warn,
    )
    if redact:
        from testimonycoder.redact import Redactor

        redactor = Redactor.default()
        documents = (redactor.redact_document(d) for d in documents)
    summary = Summary(codebook=codebook.hash, out=out)

    def codings(docs: Iterator[Document]) -> Iterator[Coding]:
        if engine == "dask":
            from testimonycoder.distributed import code_documents_dask
            from testimonycoder.resources import default_model_dir

            # Workers load the model from its folder (once each) rather than unpickling it;
            # a model whose review band was changed here is sent as it is.
            model_path = None if model is None else (model_dir or default_model_dir())
            return code_documents_dask(
                docs,
                codebook_path=codebook_path,
                model=model if review_recall is not None else model_path,
                batch_size=batch_size,
                scheduler=scheduler,
            )
        return code_documents(
            docs, nlp=nlp, model=model, batch_size=batch_size, n_process=n_process
        )

    if fmt == ".qdpx":
        from testimonycoder.io.refi_export import write_project

        docs = list(documents)
        results = list(codings(iter(docs)))
        for c in results:
            summary.add(c)
        write_project(
            out,
            docs,
            results,
            codebook,
            model_name=model.name if model else "rules",
            force=force,
            shared=shared_permissions,
        )
        progress(len(results))
        return summary

    options = {
        "codebook": codebook.hash,
        "model": model.fingerprint if model else None,
        "review_recall": review_recall,
        "id": id_column,
        "text": text_column,
        "redact": redact,
    }
    ckpt = Checkpoint.for_output(out, _fingerprint(inputs, options))
    if resume:
        ckpt.load()
    else:
        ckpt.discard()
    writer = open_writer(ckpt.partial, codebook.top_level, fmt=fmt, append=resume and ckpt.done > 0)
    try:
        stream = iter(documents)
        resumed_from = ckpt.done
        for _ in islice(stream, resumed_from):  # documents already in the partial file
            pass
        done = resumed_from
        progress(done)
        pending = 0
        for coding in codings(stream):
            writer.write(coding)
            summary.add(coding)
            done += 1
            pending += 1
            if pending >= batch_size:
                writer.flush()
                ckpt.save(done, ckpt.partial.stat().st_size)
                pending = 0
                progress(done)
        writer.close()
    except BaseException:
        writer.close()
        # Keep a checkpointed partial run for --resume; anything short of that is only debris.
        if ckpt.done == 0:
            ckpt.discard()
        raise
    if resumed_from:
        _recount(ckpt.partial, summary, fmt)
    ckpt.finish(out, shared=shared_permissions)
    progress(done)
    return summary


def _recount(path: Path, summary: Summary, fmt: str) -> None:
    """After a resume, count the whole output (including the part written before)."""
    fresh = Summary(codebook=summary.codebook, out=summary.out)
    if fmt == ".jsonl":
        with path.open("rb") as fh:
            for line in fh:
                rec = json.loads(line)
                fresh.documents += 1
                fresh.review += int(rec["review"])
                fresh.codes.update(rec["codes"])
                fresh.subcodes.update(rec["subcodes"])
    elif fmt == ".csv":
        import csv

        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                fresh.documents += 1
                fresh.review += int(row["review"] == "True")
                fresh.codes.update(c for c in row["codes"].split(";") if c)
                fresh.subcodes.update(c for c in row["subcodes"].split(";") if c)
    else:
        return
    summary.documents, summary.review = fresh.documents, fresh.review
    summary.codes, summary.subcodes = fresh.codes, fresh.subcodes
