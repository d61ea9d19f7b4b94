"""Loading gold-coded documents for ``train`` and ``evaluate``.

Accepted: a ``.jsonl``, ``.csv`` or ``.parquet`` file with ``id``, ``text`` and ``codes`` (a list,
or a ``;``-joined string) and optionally ``spans`` (``[{start, end, code, status}]``); a folder of
split files such as ``corpus/`` (``train.jsonl``, ``validation.jsonl``, ``test.jsonl``; the
``split`` option picks which, by default ``train`` and ``validation``, never the held-out
``test`` and ``unseen`` splits unless asked for); a ``datasets``
``save_to_disk`` folder; and annotation projects (REFI-QDA ``.qdpx`` and annotation-tool exports)
through :func:`testimonycoder.io.annotations.load_annotated` when it is available.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from testimonycoder.codebook import Codebook
from testimonycoder.errors import InputError
from testimonycoder.io.readers import is_hf_dataset_dir, iter_jsonl_records
from testimonycoder.training import TrainingRecord

TRAINING_SPLITS = ("train", "validation")
HELD_OUT_SPLITS = ("test", "unseen")  # scored, never trained on unless ``split`` names them


def _codes(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [c.strip() for c in value.split(";") if c.strip()]
    if isinstance(value, Iterable):
        return [str(c) for c in value]
    raise InputError(f"{where}: 'codes' must be a list or a ';'-joined string")


def _spans(value: Any, text: str, where: str) -> list[tuple[int, int, str]]:
    if value is None or (isinstance(value, float) and value != value) or value == "":
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise InputError(f"{where}: 'spans' is not valid JSON") from None
    out = []
    for i, span in enumerate(value):
        try:
            start, end, code = int(span["start"]), int(span["end"]), str(span["code"])
        except (KeyError, TypeError, ValueError):
            raise InputError(
                f"{where}: span {i} needs integer 'start', 'end' and a 'code'"
            ) from None
        if not 0 <= start < end <= len(text):
            raise InputError(
                f"{where}: span {i} ({start}-{end}) lies outside the text ({len(text)} characters)"
            )
        if span.get("status", "asserted") == "asserted":
            out.append((start, end, code.split(".")[0]))
    return out


_RECORD_KEYS = frozenset({"id", "text", "codes", "subcodes", "spans"})


def _record(obj: dict[str, Any], where: str) -> TrainingRecord:
    for key in ("id", "text", "codes"):
        if key not in obj:
            raise InputError(
                f"{where}: no '{key}' field (found: {', '.join(map(str, obj))}); training data "
                "needs id, text and codes"
            )
    text = obj["text"]
    if not isinstance(text, str):
        raise InputError(f"{where}: 'text' must be a string")
    codes = [c.split(".")[0] for c in _codes(obj["codes"], where)]
    fields = {
        str(k): str(v)
        for k, v in obj.items()
        if k not in _RECORD_KEYS and isinstance(v, str | int) and not isinstance(v, bool)
    }
    return TrainingRecord(
        str(obj["id"]), text, sorted(set(codes)), _spans(obj.get("spans"), text, where), fields
    )


def record_groups(
    records: list[TrainingRecord], column: str, option: str = "--group-by"
) -> list[str]:
    """The value of ``column`` for every record, for grouped cross-validation (or the
    per-group scores of ``evaluate --by``; ``option`` names the option in the error).

    Raises:
        InputError: a record has no such field.
    """
    groups = []
    for r in records:
        value = r.fields.get(column, "").strip()
        if not value:
            known = ", ".join(sorted(r.fields)) or "none"
            raise InputError(
                f"document '{r.id}': no '{column}' field to group by (other fields: {known}); "
                f"give every document that field or drop {option}"
            )
        groups.append(value)
    return groups


def _from_rows(rows: Iterable[tuple[str, dict[str, Any]]]) -> list[TrainingRecord]:
    records = []
    seen: set[str] = set()
    for where, obj in rows:
        rec = _record(obj, where)
        if rec.id in seen:
            raise InputError(f"{where}: duplicate document id '{rec.id}'")
        seen.add(rec.id)
        records.append(rec)
    return records


def load_training_records(
    path: Path,
    *,
    codebook: Codebook,
    split: list[str] | None = None,
    code_map: dict[str, str | None] | None = None,
    skip_bad_lines: bool = False,
) -> list[TrainingRecord]:
    """Gold-coded documents from ``path`` (see the module docstring for the formats)."""
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    suffix = path.suffix.lower()
    if path.is_dir() and not is_hf_dataset_dir(path):
        records = _load_split_folder(path, split)
    elif path.is_dir():
        records = _load_hf(path, split)
    elif suffix in (".jsonl", ".json") and not _is_tool_export(path):
        rows = (
            (f"{path}:{n}", obj)
            for n, obj in iter_jsonl_records(path, skip_bad_lines=skip_bad_lines)
        )
        records = _from_rows(rows)
    elif suffix == ".csv":
        import pandas as pd

        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise InputError(
                f"{path}: not a readable CSV file ({str(exc).splitlines()[0]})"
            ) from None
        records = _from_rows(
            (f"{path}: row {i + 2}", {str(k): v for k, v in r.items()})
            for i, r in enumerate(frame.to_dict("records"))
        )
    elif suffix == ".parquet":
        import pandas as pd

        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several types for damaged files
            raise InputError(f"{path}: not a readable Parquet file ({exc})") from None
        records = _from_rows(
            (f"{path}: row {i}", {str(k): v for k, v in r.items()})
            for i, r in enumerate(frame.to_dict("records"))
        )
    else:
        records = _load_annotated(path, codebook, code_map)
    if not records:
        raise InputError(f"{path}: no documents found")
    return records


def _is_tool_export(path: Path) -> bool:
    """A Label Studio export is a JSON array; doccano JSONL has 'label' but no 'codes'."""
    with path.open("rb") as fh:
        head = fh.read(4096).lstrip()
    if head.startswith(b"["):
        return True
    return b'"label"' in head and b'"codes"' not in head


def _load_split_folder(path: Path, split: list[str] | None) -> list[TrainingRecord]:
    wanted = split or list(TRAINING_SPLITS)
    files = [path / f"{s}.jsonl" for s in wanted]
    missing = [f for f in files if not f.exists()]
    if missing:
        raise InputError(
            f"{path}: no {', '.join(f.name for f in missing)} in this folder; give a data file "
            "or a folder with train/validation/test .jsonl files"
        )
    rows = ((f"{f}:{n}", obj) for f in files for n, obj in iter_jsonl_records(f))
    return _from_rows(rows)


def _load_hf(path: Path, split: list[str] | None) -> list[TrainingRecord]:
    import os

    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    from datasets import DatasetDict, load_from_disk

    try:
        ds = load_from_disk(str(path))
    except (FileNotFoundError, ValueError, OSError) as exc:
        raise InputError(f"{path}: not a readable datasets folder ({exc})") from None
    if isinstance(ds, DatasetDict):
        names = split or [s for s in ds if s not in HELD_OUT_SPLITS]
        parts = [(s, ds[s]) for s in names]
    else:
        parts = [("data", ds)]
    return _from_rows(
        (f"{path} [{s}] row {i}", dict(r)) for s, part in parts for i, r in enumerate(part)
    )


def _load_annotated(
    path: Path, codebook: Codebook, code_map: dict[str, str | None] | None
) -> list[TrainingRecord]:
    try:
        from testimonycoder.io.annotations import load_annotated
    except ImportError:
        raise InputError(
            f"{path}: unsupported training data type '{path.suffix}'; use .jsonl, .csv, .parquet "
            "or a corpus folder"
        ) from None
    texts, frame = load_annotated(path, codebook=codebook, code_map=code_map)
    return records_from_annotations(texts, frame)


def records_from_annotations(texts: dict[str, str], frame: Any) -> list[TrainingRecord]:
    """Gold records from long-format annotations (``doc_id, coder, code, start, end, status``).

    With several coders, a code is gold when a majority of the coders who coded the document
    asserted it (ties count as present); spans of every coder are kept as evidence.
    """
    records = []
    for doc_id, text in texts.items():
        rows = frame[frame["doc_id"] == doc_id]
        coders = [c for c in rows["coder"].dropna().unique()]
        votes: dict[str, int] = {}
        spans: list[tuple[int, int, str]] = []
        for coder in coders:
            mine = rows[rows["coder"] == coder]
            status = mine.get("status", None)
            asserted = mine if status is None else mine[status.fillna("asserted") == "asserted"]
            for code in set(asserted["code"].dropna()):
                if code:
                    votes[str(code).split(".")[0]] = votes.get(str(code).split(".")[0], 0) + 1
            if "start" in asserted:
                for _, r in asserted.dropna(subset=["start", "end"]).iterrows():
                    if r["code"]:
                        spans.append((int(r["start"]), int(r["end"]), str(r["code"]).split(".")[0]))
        n = max(1, len(coders))
        codes = sorted(c for c, v in votes.items() if 2 * v >= n)
        records.append(TrainingRecord(str(doc_id), text, codes, spans))
    return records
