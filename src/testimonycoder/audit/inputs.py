"""Reading annotations and texts for ``audit``.

Accepted annotation files:

* long-format ``.csv`` or ``.jsonl`` (``doc_id, coder, code[, start, end, status, experiencer]``);
* corpus-style ``.jsonl`` (records ``{id, codes, subcodes, spans, [text]}``, as in ``corpus/`` and
  the ``gold.jsonl`` written by ``audit resolve``): one coder per file;
* any other format (``.qdpx``, Label Studio, doccano ...) through
  :func:`testimonycoder.io.annotations.load_annotated` when that module is installed; every coder
  of such a file is taken to have coded all its documents (see :func:`with_full_coverage`).

A file given as ``--coder NAME=PATH`` holds one coder's annotations: its rows get coder ``NAME``.
A corpus-style file given without a name is named after its file stem.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from testimonycoder.audit.annotations import normalise_annotations
from testimonycoder.errors import InputError
from testimonycoder.io.readers import read_documents


def corpus_record_rows(record: dict[str, Any], coder: str) -> list[dict[str, Any]]:
    """Long-format rows of one corpus-style record (``id, codes, subcodes, spans``).

    Every span becomes a row; every code or sub-code without an asserted span becomes a
    document-level row; a record with neither gets one empty-code row so that it stays covered.
    """
    doc_id = str(record["id"])
    rows: list[dict[str, Any]] = []
    spanned = set()
    for span in record.get("spans") or []:
        if not isinstance(span, dict) or not {"code", "start", "end"} <= span.keys():
            raise InputError(
                f"document '{doc_id}': every span needs 'code', 'start' and 'end' (character "
                "offsets); resolve quote-only spans to offsets first"
            )
        status = span.get("status") or "asserted"
        rows.append(
            {
                "doc_id": doc_id, "coder": coder, "code": span["code"],
                "start": span["start"], "end": span["end"], "status": status,
                "experiencer": span.get("experiencer", ""),
            }
        )  # fmt: skip
        if status == "asserted":
            spanned.add(span["code"])
    for code in [*(record.get("codes") or []), *(record.get("subcodes") or [])]:
        if code not in spanned:
            rows.append({"doc_id": doc_id, "coder": coder, "code": code})
    if not rows:
        rows.append({"doc_id": doc_id, "coder": coder, "code": ""})
    return rows


def _read_jsonl(path: Path, coder: str | None) -> tuple[pd.DataFrame, dict[str, str]]:
    rows: list[dict[str, Any]] = []
    texts: dict[str, str] = {}
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
            if not isinstance(record, dict):
                raise InputError(f"{path}:{number}: expected a JSON object")
            if "doc_id" in record:
                row = dict(record)
                if coder is not None:
                    row["coder"] = coder
                rows.append(row)
            elif "id" in record:
                try:
                    rows.extend(corpus_record_rows(record, coder or path.stem))
                except InputError as exc:
                    raise InputError(f"{path}:{number}: {exc}") from None
                if isinstance(record.get("text"), str):
                    texts[str(record["id"])] = record["text"]
            else:
                raise InputError(
                    f"{path}:{number}: a record needs 'doc_id' (long format) or 'id' "
                    "(corpus format)"
                )
    return pd.DataFrame(rows), texts


def read_annotation_file(
    path: Path, *, coder: str | None = None, codebook: Any = None, code_map: Any = None
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Read one annotation file into ``(long DataFrame, texts found in it)``."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    suffix = path.suffix.lower()
    texts: dict[str, str] = {}
    if suffix == ".csv":
        try:
            df = pd.read_csv(
                path,
                dtype={"doc_id": str, "coder": str, "code": str},
                keep_default_na=False,
                na_values=[""],
            )
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: cannot read as CSV ({exc})") from None
        if coder is not None:
            df["coder"] = coder
    elif suffix in (".jsonl", ".json"):
        df, texts = _read_jsonl(path, coder)
    else:
        df, texts = _read_other(path, coder=coder, codebook=codebook, code_map=code_map)
    if df.empty:
        raise InputError(f"{path}: no annotations found")
    return normalise_annotations(df, source=str(path)), texts


def _read_other(
    path: Path, *, coder: str | None, codebook: Any, code_map: Any = None
) -> tuple[pd.DataFrame, dict[str, str]]:
    # Hook for the interoperability issue: REFI-QDA projects and other QDA formats.
    try:
        from testimonycoder.io.annotations import load_annotated  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise InputError(
            f"{path}: unsupported annotation format '{path.suffix}'; use long-format .csv/.jsonl "
            "or corpus-style .jsonl"
        ) from None
    from testimonycoder.codebook import load_codebook

    book = codebook if codebook is not None else load_codebook(None)
    texts, df = load_annotated(path, codebook=book, code_map=code_map)
    if coder is not None:
        df = df.assign(coder=coder)
    return with_full_coverage(df, texts), dict(texts)


def with_full_coverage(df: pd.DataFrame, texts: dict[str, str]) -> pd.DataFrame:
    """Mark every coder of a project as having read every document of it.

    A QDA project records coded passages, not which documents a coder read, so (as NVivo's
    coding comparison does) every coder in the file is taken to have coded every document in
    it: a document without a coder's codes is *absent* for that coder, not missing.
    """
    if df.empty:
        return df
    have = set(zip(df["doc_id"].astype(str), df["coder"].astype(str), strict=True))
    extra = [
        {"doc_id": doc_id, "coder": name, "code": ""}
        for name in dict.fromkeys(df["coder"].astype(str))
        for doc_id in texts
        if (doc_id, name) not in have
    ]
    return pd.concat([df, pd.DataFrame(extra)], ignore_index=True) if extra else df


def read_annotations(
    paths: list[Path] | None = None,
    *,
    coders: dict[str, Path] | None = None,
    codebook: Any = None,
    code_map: Any = None,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Read and combine annotation files: ``paths`` as they are, ``coders`` as ``{name: path}``."""
    frames, texts = [], {}
    for path in paths or []:
        df, found = read_annotation_file(path, codebook=codebook, code_map=code_map)
        frames.append(df)
        texts.update(found)
    for name, path in (coders or {}).items():
        df, found = read_annotation_file(path, coder=name, codebook=codebook, code_map=code_map)
        frames.append(df)
        texts.update(found)
    if not frames:
        raise InputError("no annotations given; pass FILES or --coder NAME=PATH")
    return pd.concat(frames, ignore_index=True), texts


def read_texts(path: Path) -> dict[str, str]:
    """Texts from a corpus JSONL/CSV/Parquet (id, text) or a folder of .txt files."""
    return {doc.id: doc.text for doc in read_documents([path])}


def parse_coder_option(value: str) -> tuple[str, Path]:
    """Split ``NAME=PATH`` (from ``--coder``)."""
    name, sep, path = value.partition("=")
    if not sep or not name.strip() or not path.strip():
        raise InputError(f"--coder '{value}': expected NAME=PATH, e.g. --coder anna=anna.csv")
    return name.strip(), Path(path.strip())
