"""redact_to_file(): read documents, redact them, write the output and the private mapping."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import orjson

from testimonycoder.errors import InputError, OutputError
from testimonycoder.io.atomic import check_output_path, write_bytes_atomic
from testimonycoder.io.readers import Warn, read_documents
from testimonycoder.redact import Redactor


def _ignore(_: str) -> None:
    return None


def redact_to_file(
    inputs: Sequence[Path],
    out: Path,
    *,
    mapping: Path | None = None,
    id_column: str = "id",
    text_column: str = "text",
    force: bool = False,
    shared: bool = False,
    warn: Warn = _ignore,
    redactor: Redactor | None = None,
) -> tuple[int, int]:
    """Redact ``inputs`` into ``out`` (.jsonl, or .txt for one document); returns the counts.

    The mapping (placeholder -> original, with offsets) is personal data: it is written only to
    ``mapping``, always with mode 0600, and never into ``out``.
    """
    suffix = out.suffix.lower()
    if suffix not in (".jsonl", ".txt"):
        raise OutputError(f"{out}: redact writes .jsonl (or .txt for a single document)")
    check_output_path(out, force=force)
    if mapping is not None:
        if mapping.resolve() == out.resolve():
            raise OutputError(f"{mapping}: the mapping must be a different file from --out")
        check_output_path(mapping, force=force)
    redactor = redactor or Redactor.default()
    docs = [
        redactor.redact_document(d)
        for d in read_documents(inputs, id_column=id_column, text_column=text_column, warn=warn)
    ]
    if suffix == ".txt":
        if len(docs) != 1:
            raise InputError(f"{out}: {len(docs)} documents cannot go into one .txt; use .jsonl")
        data = docs[0].text.encode("utf-8")
    else:
        data = b"".join(orjson.dumps({**d.meta, "id": d.id, "text": d.text}) + b"\n" for d in docs)
    if mapping is not None:
        entries = [r.to_dict() for r in redactor.mapping]
        write_bytes_atomic(
            mapping, orjson.dumps(entries, option=orjson.OPT_INDENT_2), force=force, shared=False
        )
    write_bytes_atomic(out, data, force=force, shared=shared)
    return len(docs), len(redactor.mapping)
