"""Streaming writers of codings: JSONL, CSV and Parquet, chosen by the output's extension.

Writers append one coding at a time (Parquet in row groups), so the output is never held in
memory. They write to whatever path they are given; atomic replacement and resumable checkpoints
are handled by :mod:`testimonycoder.io.checkpoint`.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO, Any, Protocol

import orjson

from testimonycoder.document import Coding
from testimonycoder.errors import OutputError

SUFFIXES = (".jsonl", ".csv", ".parquet")


class CodingWriter(Protocol):
    def write(self, coding: Coding) -> None: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...


def coding_row(coding: Coding, codes: list[str]) -> dict[str, Any]:
    """The flat (CSV/Parquet) row of a coding: codes joined by ';', one score column per code."""
    row: dict[str, Any] = {
        "id": coding.id,
        "codes": ";".join(coding.codes),
        "subcodes": ";".join(coding.subcodes),
        "review": coding.review,
        "review_reasons": "; ".join(coding.review_reasons),
        "review_margin": coding.rounded_margin,
        "codebook": coding.codebook,
    }
    for code in codes:
        row[f"score_{code}"] = round(coding.scores.get(code, 0.0), 4)
    row["n_evidence"] = len(coding.evidence)
    row["evidence"] = orjson.dumps([e.to_dict() for e in coding.evidence]).decode("utf-8")
    return row


class JsonlWriter:
    def __init__(self, path: Path, *, append: bool = False) -> None:
        self._fh: IO[bytes] = path.open("ab" if append else "wb")

    def write(self, coding: Coding) -> None:
        self._fh.write(orjson.dumps(coding.to_dict()) + b"\n")

    def flush(self) -> None:
        self._fh.flush()

    def tell(self) -> int:
        return self._fh.tell()

    def close(self) -> None:
        self._fh.close()


class CsvWriter:
    def __init__(self, path: Path, codes: list[str], *, append: bool = False) -> None:
        self._codes = codes
        self._fh = path.open("a" if append else "w", newline="", encoding="utf-8")
        self._writer: csv.DictWriter[str] | None = None
        self._append = append

    def write(self, coding: Coding) -> None:
        row = coding_row(coding, self._codes)
        if self._writer is None:
            self._writer = csv.DictWriter(self._fh, fieldnames=list(row))
            if not self._append:
                self._writer.writeheader()
        self._writer.writerow(row)

    def flush(self) -> None:
        self._fh.flush()

    def tell(self) -> int:
        return self._fh.tell()

    def close(self) -> None:
        self._fh.close()


class ParquetWriter:
    _ROW_GROUP = 1000

    def __init__(self, path: Path, codes: list[str]) -> None:
        self._path = path
        self._codes = codes
        self._rows: list[dict[str, Any]] = []
        self._writer: Any = None

    def write(self, coding: Coding) -> None:
        self._rows.append(coding_row(coding, self._codes))
        if len(self._rows) >= self._ROW_GROUP:
            self.flush()

    def flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self._rows:
            return
        table = pa.Table.from_pylist(self._rows)
        if self._writer is None:
            self._writer = pq.ParquetWriter(self._path, table.schema)
        self._writer.write_table(table)
        self._rows = []

    def close(self) -> None:
        self.flush()
        if self._writer is not None:
            self._writer.close()


def output_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in (*SUFFIXES, ".qdpx"):
        raise OutputError(
            f"{path}: unsupported output type '{suffix or 'no extension'}'; "
            "use .jsonl, .csv, .parquet or .qdpx"
        )
    return suffix


def open_writer(
    path: Path, codes: list[str], *, fmt: str | None = None, append: bool = False
) -> CodingWriter:
    """A writer for ``fmt`` (default: ``path``'s extension); ``append`` continues JSONL/CSV."""
    fmt = fmt or output_format(path)
    if fmt == ".jsonl":
        return JsonlWriter(path, append=append)
    if fmt == ".csv":
        return CsvWriter(path, codes, append=append)
    if fmt == ".parquet":
        return ParquetWriter(path, codes)
    raise OutputError(f"{path}: no streaming writer for {fmt}")
