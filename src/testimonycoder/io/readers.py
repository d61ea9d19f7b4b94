"""Read documents from .txt files, folders, JSONL, CSV, Parquet and ``datasets`` folders.

Every reader streams: documents are yielded one at a time, so memory does not grow with the corpus.
Problems are :class:`InputError` naming the file, line or document id. A 0-byte ``.txt`` inside a
folder is skipped with a warning; duplicate ids are an error.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from testimonycoder.document import Document
from testimonycoder.errors import InputError
from testimonycoder.io.text import read_text_file

Warn = Callable[[str], None]
TABLE_SUFFIXES = {".jsonl", ".json", ".csv", ".parquet"}


def _ignore(_: str) -> None:
    return None


_SPLIT = re.compile(r"^([A-Za-z0-9_]+?)(?:[-.].*)?$")
DATA_SUFFIXES = (".jsonl", ".csv", ".parquet")


def split_data_files(folder: Path, *, split: str | None = None) -> list[Path]:
    """Data files of a local dataset folder: ``<split>.jsonl|csv|parquet`` in ``folder`` or in
    ``folder/data`` (the Hugging Face hub layout, ``data/train-00000-of-00001.parquet``).

    ``split`` keeps only that split (the file name up to the first ``-`` or ``.``).
    """
    files = sorted(
        f
        for base in (folder, folder / "data")
        if base.is_dir()
        for f in base.iterdir()
        if f.is_file() and f.suffix.lower() in DATA_SUFFIXES
    )
    if split is not None:
        files = [f for f in files if (m := _SPLIT.match(f.name)) and m.group(1) == split]
    return files


def is_hf_dataset_dir(path: Path) -> bool:
    """A folder written by ``datasets.Dataset.save_to_disk`` (or a ``DatasetDict``)."""
    return (path / "state.json").exists() or (path / "dataset_dict.json").exists()


def read_documents(
    inputs: Iterable[str | Path],
    *,
    id_column: str = "id",
    text_column: str = "text",
    skip_bad_lines: bool = False,
    warn: Warn = _ignore,
) -> Iterator[Document]:
    """Yield the documents of every input, checking that ids are unique across all of them."""
    seen: dict[str, str] = {}
    any_input = False
    for raw in inputs:
        any_input = True
        path = Path(raw)
        for doc in _read_one(path, id_column, text_column, skip_bad_lines, warn):
            if doc.id in seen:
                raise InputError(
                    f"{path}: duplicate document id '{doc.id}' (first seen in {seen[doc.id]}); "
                    "ids must be unique"
                )
            seen[doc.id] = str(path)
            yield doc
    if not any_input:
        raise InputError("no input given; pass a .txt file, a folder, .jsonl, .csv or .parquet")
    if not seen:
        raise InputError(f"{', '.join(str(p) for p in inputs)}: no documents found (empty input)")


def _read_one(
    path: Path, id_column: str, text_column: str, skip_bad_lines: bool, warn: Warn
) -> Iterator[Document]:
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if path.is_dir():
        if is_hf_dataset_dir(path):
            yield from read_hf_dataset(path, id_column=id_column, text_column=text_column)
        elif not any(path.rglob("*.txt")) and (files := split_data_files(path)):
            # A local dataset folder (train.jsonl, data/test-0000.parquet, ...): every split.
            for f in files:
                yield from _read_one(f, id_column, text_column, skip_bad_lines, warn)
        else:
            yield from read_folder(path, warn=warn)
        return
    suffix = path.suffix.lower()
    if suffix == ".txt":
        text = read_text_file(path)
        if not text.strip():
            raise InputError(f"{path}: the file is empty; nothing to code")
        yield Document(id=path.stem, text=text, meta={"source": str(path)})
    elif suffix in {".jsonl", ".json"}:
        yield from read_jsonl(
            path,
            id_column=id_column,
            text_column=text_column,
            skip_bad_lines=skip_bad_lines,
            warn=warn,
        )
    elif suffix == ".csv":
        yield from read_csv(path, id_column=id_column, text_column=text_column)
    elif suffix == ".parquet":
        yield from read_parquet(path, id_column=id_column, text_column=text_column)
    else:
        raise InputError(
            f"{path}: unsupported input type '{suffix or 'no extension'}'; use .txt, a folder of "
            ".txt, .jsonl, .csv, .parquet or a datasets folder"
        )


def read_folder(folder: Path, *, warn: Warn = _ignore) -> Iterator[Document]:
    """All ``.txt`` files under ``folder`` (recursive); id = relative path without extension."""
    files = sorted(p for p in folder.rglob("*.txt") if p.is_file())
    if not files:
        raise InputError(f"{folder}: the folder holds no .txt files")
    yielded = 0
    for path in files:
        if path.stat().st_size == 0:
            warn(f"{path}: empty file skipped")
            continue
        text = read_text_file(path)
        if not text.strip():
            warn(f"{path}: file holds only whitespace; skipped")
            continue
        rel = path.relative_to(folder).with_suffix("")
        yielded += 1
        yield Document(id=rel.as_posix(), text=text, meta={"source": str(path)})
    if not yielded:
        raise InputError(f"{folder}: every .txt file in the folder is empty")


def _record_to_document(
    record: dict[str, Any], where: str, id_column: str, text_column: str
) -> Document:
    if text_column not in record:
        raise InputError(
            f"{where}: no '{text_column}' field (found: {', '.join(map(str, record)) or 'none'}); "
            "use --text-column to name the text field"
        )
    if id_column not in record:
        raise InputError(
            f"{where}: no '{id_column}' field (found: {', '.join(map(str, record)) or 'none'}); "
            "use --id-column to name the id field"
        )
    text = record[text_column]
    if not isinstance(text, str):
        raise InputError(
            f"{where}: field '{text_column}' must be a string, got {type(text).__name__}"
        )
    doc_id = record[id_column]
    if doc_id is None or (isinstance(doc_id, float) and doc_id != doc_id) or str(doc_id) == "":
        raise InputError(f"{where}: empty '{id_column}'; every document needs an id")
    meta = {k: v for k, v in record.items() if k not in (id_column, text_column)}
    return Document(id=str(doc_id), text=text, meta=meta)


def iter_jsonl_records(
    path: Path, *, skip_bad_lines: bool = False, warn: Warn = _ignore
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, object)`` for each non-blank line of a JSONL file."""
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    with fh:
        head = fh.read(8192)
        if b"\x00" in head:
            raise InputError(f"{path}: looks like a binary file, not JSON Lines")
        fh.seek(0)
        for lineno, raw in enumerate(fh, 1):
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                msg = f"{path}:{lineno}: malformed JSON line ({exc})"
                if skip_bad_lines:
                    warn(msg + "; skipped")
                    continue
                raise InputError(msg + "; fix it or pass --skip-bad-lines") from None
            if not isinstance(obj, dict):
                msg = f"{path}:{lineno}: each line must be a JSON object"
                if skip_bad_lines:
                    warn(msg + "; skipped")
                    continue
                raise InputError(msg)
            yield lineno, obj


def read_jsonl(
    path: Path,
    *,
    id_column: str = "id",
    text_column: str = "text",
    skip_bad_lines: bool = False,
    warn: Warn = _ignore,
) -> Iterator[Document]:
    """Documents from a JSON Lines file, one object per line."""
    found = False
    for lineno, obj in iter_jsonl_records(path, skip_bad_lines=skip_bad_lines, warn=warn):
        found = True
        yield _record_to_document(obj, f"{path}:{lineno}", id_column, text_column)
    if not found:
        raise InputError(f"{path}: the file holds no JSON records")


def read_csv(path: Path, *, id_column: str = "id", text_column: str = "text") -> Iterator[Document]:
    """Documents from a CSV file with a header row (streamed in chunks)."""
    import pandas as pd

    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty")
    try:
        reader = pd.read_csv(
            path, chunksize=2000, dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
        row = 2  # header is line 1
        for chunk in reader:
            _check_columns(path, list(chunk.columns), id_column, text_column)
            for record in chunk.to_dict("records"):
                fields = {str(k): v for k, v in record.items()}
                yield _record_to_document(fields, f"{path}: row {row}", id_column, text_column)
                row += 1
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{path}: not a readable CSV file ({str(exc).splitlines()[0]})") from None


def _check_columns(path: Path, columns: list[str], id_column: str, text_column: str) -> None:
    for column, option in ((text_column, "--text-column"), (id_column, "--id-column")):
        if column not in columns:
            raise InputError(
                f"{path}: no '{column}' column (found: {', '.join(columns)}); "
                f"use {option} to name it"
            )


def read_parquet(
    path: Path, *, id_column: str = "id", text_column: str = "text"
) -> Iterator[Document]:
    """Documents from a Parquet file (streamed by record batch)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"{path}: not a readable Parquet file ({exc})") from None
    _check_columns(path, pf.schema_arrow.names, id_column, text_column)
    row = 0
    for batch in pf.iter_batches(batch_size=2000):
        for record in batch.to_pylist():
            yield _record_to_document(record, f"{path}: row {row}", id_column, text_column)
            row += 1


def read_hf_dataset(
    path: Path, *, id_column: str = "id", text_column: str = "text", split: str | None = None
) -> Iterator[Document]:
    """Documents from a folder written by ``datasets``' ``save_to_disk`` (all splits, in order)."""
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from datasets import DatasetDict, load_from_disk

    try:
        ds = load_from_disk(str(path))
    except (FileNotFoundError, ValueError, OSError) as exc:
        raise InputError(f"{path}: not a readable datasets folder ({exc})") from None
    parts = (
        [ds[s] for s in ([split] if split else list(ds))] if isinstance(ds, DatasetDict) else [ds]
    )
    for part in parts:
        _check_columns(path, list(part.column_names), id_column, text_column)
        for i, record in enumerate(part):
            yield _record_to_document(
                {str(k): v for k, v in dict(record).items()},
                f"{path}: row {i}",
                id_column,
                text_column,
            )
