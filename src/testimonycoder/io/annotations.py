"""load_annotated(): any annotated corpus -> texts + long-format annotations.

``train``, ``evaluate`` and ``audit`` call :func:`load_annotated`, which reads, by the path:

========================================  ===================================================
``*.qdpx``                                REFI-QDA project (NVivo, ATLAS.ti, MAXQDA, QualCoder)
``*.json``                                Label Studio JSON export (tasks with annotations)
``*.jsonl`` with ``label``/``entities``   doccano JSONL export
``*.jsonl`` / ``*.csv`` / ``*.parquet``   corpus records ``id, text, codes[, subcodes, spans]``
a folder from ``save_to_disk``            Hugging Face ``datasets`` (``Dataset`` or ``DatasetDict``)
a folder of split files                   ``train.jsonl``, ``validation.parquet``,
                                          ``data/test-00000-of-00001.parquet``, ...
a hub name (``user/dataset``)             only with ``allow_network=True``
========================================  ===================================================

It returns ``(texts, annotations)``:

- ``texts``: ``dict`` document id -> text;
- ``annotations``: a DataFrame with one row per (document, coder, code[, span]):

  ========  ==============================================================================
  doc_id    document id (a key of ``texts``)
  coder     who coded it: REFI user, Label Studio ``completed_by``, doccano user, or the
            ``coder`` field of corpus records (default ``"gold"``)
  code      a codebook id (other tools' names mapped; see :mod:`testimonycoder.io.code_map`)
  start     code-point offset into ``texts[doc_id]``, ``<NA>`` for a document-level code
  end       end offset (exclusive), ``<NA>`` for a document-level code
  status    evidence status (``asserted``, ``negated``, ...) when the source records it, else
            ``<NA>``
  ========  ==============================================================================

A document's codes for one coder are :func:`document_labels`: its document-level rows plus its
spans whose status is asserted or unknown. Unknown codes raise a :class:`CodebookError` listing
them all. Nothing here opens a network connection unless ``allow_network`` is given.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from testimonycoder.codebook import STATUSES, Codebook
from testimonycoder.errors import InputError
from testimonycoder.io.annotation_tools import read_doccano, read_labelstudio
from testimonycoder.io.code_map import resolve_all
from testimonycoder.io.readers import is_hf_dataset_dir, iter_jsonl_records, split_data_files
from testimonycoder.io.refi_import import COLUMNS, annotations_frame, read_project

TABLE_SUFFIXES = (".jsonl", ".csv", ".parquet")


def load_annotated(
    path: str | Path,
    *,
    codebook: Codebook,
    code_map: dict[str, str | None] | None = None,
    split: str | None = None,
    coder: str = "gold",
    allow_network: bool = False,
) -> tuple[dict[str, str], pd.DataFrame]:
    """Read annotated documents from any supported source (see the module docstring).

    Args:
        path: a file, a folder, or (with ``allow_network``) a Hugging Face hub dataset name.
        codebook: codes are checked against, and mapped to, this codebook.
        code_map: other tools' labels (or REFI ``Parent/Child`` paths) -> codebook ids;
            ``None`` as a value ignores a label on purpose. See ``load_code_map``.
        split: for datasets and split folders, read only this split (default: all splits).
        coder: coder name for corpus records without a ``coder`` field.
        allow_network: let ``datasets`` fetch ``path`` from the hub when it is not local.

    Raises:
        InputError: the path is missing or unreadable, or annotations do not fit their texts.
        CodebookError: labels that neither the codebook nor ``code_map`` resolve.
    """
    p = Path(path)
    if not p.exists():
        if allow_network and not p.suffix and str(path).count("/") <= 1:
            return _from_records(
                _hub_records(str(path), split), str(path), codebook, code_map, coder
            )
        hint = "" if allow_network else " (a Hugging Face hub name needs --allow-network)"
        raise InputError(f"{path}: no such file or folder{hint}")
    if p.is_dir():
        if is_hf_dataset_dir(p):
            return _from_records(
                _saved_dataset_records(p, split), str(p), codebook, code_map, coder
            )
        return _from_records(_split_folder_records(p, split), str(p), codebook, code_map, coder)
    suffix = p.suffix.lower()
    if suffix == ".qdpx":
        return read_project(p, codebook=codebook, code_map=code_map)
    if suffix == ".json":
        return read_labelstudio(p, codebook=codebook, code_map=code_map)
    if suffix == ".jsonl" and _looks_doccano(p):
        return read_doccano(p, codebook=codebook, code_map=code_map)
    if suffix in TABLE_SUFFIXES:
        return _from_records(_file_records(p), str(p), codebook, code_map, coder)
    raise InputError(
        f"{p}: unsupported annotation file '{suffix or 'no extension'}'; use .qdpx, Label Studio "
        ".json, doccano .jsonl, corpus .jsonl/.csv/.parquet or a datasets folder"
    )


def document_labels(annotations: pd.DataFrame) -> pd.DataFrame:
    """Document-level codes: ``doc_id, coder, code``, one row each, sorted.

    A code applies to a document for a coder if it is a document-level row (no span) or a span
    whose status is ``asserted`` or unknown (a negated or hypothetical span does not count).
    """
    status = annotations["status"]
    keep = annotations["start"].isna() | status.isna() | (status == "asserted")
    out = annotations.loc[keep, ["doc_id", "coder", "code"]].drop_duplicates()
    return out.sort_values(["doc_id", "coder", "code"]).reset_index(drop=True)


# ------------------------------------------------------------------------------ detection


def _looks_doccano(path: Path) -> bool:
    """A JSONL whose first record has doccano's label keys and no corpus ``codes``."""
    for _, rec in iter_jsonl_records(path):
        return "codes" not in rec and any(k in rec for k in ("label", "labels", "entities"))
    return False


# ------------------------------------------------------------------------------ record sources

Record = tuple[str, dict[str, Any]]  # (where, record)


def _file_records(path: Path) -> Iterator[Record]:
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        for lineno, rec in iter_jsonl_records(path):
            yield f"{path}:{lineno}", rec
        return
    try:
        df = (
            pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            if suffix == ".csv"
            else pd.read_parquet(path)
        )
    except (OSError, ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable {suffix} file ({exc})") from None
    first = 2 if suffix == ".csv" else 0  # CSV rows are numbered as lines, after the header
    for i, row in enumerate(df.to_dict("records")):
        yield f"{path}: row {i + first}", {str(k): v for k, v in row.items()}


def _split_folder_records(folder: Path, split: str | None) -> Iterator[Record]:
    """Files ``<split>.jsonl|csv|parquet`` in ``folder`` or ``folder/data`` (HF hub layout)."""
    files = split_data_files(folder, split=split)
    if not files:
        which = f"split '{split}' " if split else ""
        raise InputError(
            f"{folder}: no {which}data files (.jsonl, .csv or .parquet named by split, e.g. "
            "train.jsonl) and not a datasets save_to_disk folder"
        )
    for f in files:
        yield from _file_records(f)


def _offline_datasets() -> None:
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _saved_dataset_records(folder: Path, split: str | None) -> Iterator[Record]:
    _offline_datasets()
    from datasets import DatasetDict, load_from_disk

    try:
        ds = load_from_disk(str(folder))
    except (FileNotFoundError, ValueError, OSError) as exc:
        raise InputError(f"{folder}: not a readable datasets folder ({exc})") from None
    if isinstance(ds, DatasetDict):
        names = [split] if split else list(ds)
        missing = [n for n in names if n not in ds]
        if missing:
            raise InputError(f"{folder}: no split '{missing[0]}' (splits: {', '.join(ds)})")
        parts = [(n, ds[n]) for n in names]
    else:
        parts = [("data", ds)]
    for name, part in parts:
        for i, rec in enumerate(part):
            yield f"{folder}: {name} row {i}", dict(rec)


def _hub_records(name: str, split: str | None) -> Iterator[Record]:
    from datasets import DatasetDict, load_dataset

    try:
        ds = load_dataset(name, split=split)
    except Exception as exc:  # datasets raises many types for a missing or private dataset
        raise InputError(f"{name}: cannot load this Hugging Face dataset ({exc})") from None
    parts = list(ds.items()) if isinstance(ds, DatasetDict) else [(split or "data", ds)]
    for part_name, part in parts:
        for i, rec in enumerate(part):
            yield f"{name}: {part_name} row {i}", dict(rec)


# ------------------------------------------------------------------------------ records -> rows


def _as_list(value: Any, where: str, field: str) -> list[Any]:
    """A list field that CSV stores as ``a;b`` or JSON text and Arrow as an array."""
    if value is None or (isinstance(value, float) and value != value):
        return []
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return []
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError:
                raise InputError(f"{where}: field '{field}' is not valid JSON") from None
            return list(parsed)
        return [v.strip() for v in text.split(";") if v.strip()]
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, list | tuple):
        return list(value)
    raise InputError(f"{where}: field '{field}' must be a list, got {type(value).__name__}")


def _from_records(
    records: Iterator[Record],
    source: str,
    codebook: Codebook,
    code_map: dict[str, str | None] | None,
    default_coder: str,
) -> tuple[dict[str, str], pd.DataFrame]:
    texts: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    for where, rec in records:
        for key in ("id", "text", "codes"):
            if key not in rec:
                raise InputError(
                    f"{where}: no '{key}' field (found: {', '.join(map(str, rec))}); annotated "
                    "records need id, text and codes (spans optional)"
                )
        doc_id, text = str(rec["id"]), rec["text"]
        if not isinstance(text, str):
            raise InputError(f"{where}: 'text' must be a string")
        if doc_id in texts:
            raise InputError(f"{where}: duplicate document id '{doc_id}'")
        texts[doc_id] = text
        coder = str(rec.get("coder") or default_coder)
        for code in [
            *_as_list(rec["codes"], where, "codes"),
            *_as_list(rec.get("subcodes"), where, "subcodes"),
        ]:
            rows.append(
                {
                    "doc_id": doc_id,
                    "coder": coder,
                    "code": str(code),
                    "start": None,
                    "end": None,
                    "status": None,
                }
            )
        for span in _as_list(rec.get("spans"), where, "spans"):
            rows.append(_span_row(span, doc_id, coder, text, where))
    if not texts:
        raise InputError(f"{source}: holds no annotated records")
    mapping = resolve_all((r["code"] for r in rows), codebook, code_map, source=source)
    kept = [{**r, "code": mapping[r["code"]]} for r in rows if mapping[r["code"]] is not None]
    df = annotations_frame(kept)
    return texts, df[COLUMNS]


def _span_row(span: Any, doc_id: str, coder: str, text: str, where: str) -> dict[str, Any]:
    if not isinstance(span, dict) or not {"start", "end", "code"} <= set(span):
        raise InputError(f"{where}: each span needs start, end and code, got {span!r}")
    try:
        start, end = int(span["start"]), int(span["end"])
    except (TypeError, ValueError):
        raise InputError(f"{where}: span offsets must be integers, got {span!r}") from None
    if not 0 <= start <= end <= len(text):
        raise InputError(
            f"{where}: span {span['code']} [{start}:{end}] lies outside the text "
            f"({len(text)} characters)"
        )
    status = span.get("status")
    if status is not None and status not in STATUSES:
        raise InputError(f"{where}: span status '{status}' is not one of {', '.join(STATUSES)}")
    return {
        "doc_id": doc_id,
        "coder": coder,
        "code": str(span["code"]),
        "start": start,
        "end": end,
        "status": status,
    }
