"""run_audit(): everything ``testimonycoder audit`` does, callable from Python too."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from testimonycoder.audit.adjudication import (
    BASE_NAME,
    adjudication_base,
    adjudication_sheet,
    base_bytes,
)
from testimonycoder.audit.agreement import agreement_table
from testimonycoder.audit.annotations import coders_of, coverage, normalise_annotations
from testimonycoder.audit.disagreements import find_disagreements
from testimonycoder.audit.html import render_report
from testimonycoder.audit.model_coder import MODEL_CODER, model_annotations
from testimonycoder.errors import InputError, OutputError
from testimonycoder.io.atomic import check_output_path, write_text_atomic

DEFAULT_MODEL = "default"


@dataclass
class AuditResult:
    """What an audit found and wrote."""

    agreement: pd.DataFrame
    disagreements: pd.DataFrame
    coders: list[str]
    n_documents: int
    files: list[Path] = field(default_factory=list)
    label_errors: pd.DataFrame | None = None
    adjudication: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)


def _ignore(_: str) -> None:
    return None


def _outputs(out_dir: Path, *, adjudicate: bool, label_errors: bool) -> dict[str, Path]:
    names = ["agreement.csv", "disagreements.csv", "report.html"]
    if adjudicate:
        names += ["adjudication.csv", BASE_NAME]
    if label_errors:
        names.append("likely_label_errors.csv")
    return {name: out_dir / name for name in names}


def _code_order(codebook_path: Path | None) -> list[str]:
    from testimonycoder.codebook import load_codebook

    book = load_codebook(codebook_path)
    return [*book.top_level, *book.subcodes]


def run_audit(
    annotations: pd.DataFrame,
    texts: dict[str, str],
    *,
    out_dir: Path,
    model: str | Path | None = None,
    codebook_path: Path | None = None,
    adjudicate: bool = False,
    label_errors: bool = False,
    n_boot: int = 1000,
    seed: int = 0,
    force: bool = False,
    shared: bool = False,
    warn: Callable[[str], None] = _ignore,
) -> AuditResult:
    """Compute agreement, disagreements (and optionally label errors) and write them to ``out_dir``.

    Args:
        annotations: long-format annotations of one or more coders.
        texts: document id -> text (for snippets, the segment level and the model coder).
        out_dir: output folder (created if missing; its parent must exist).
        model: add the model as coder ``"model"``: a model folder, or ``"default"`` for the
            bundled model (rules only when there is none).
        codebook_path: codebook YAML (default: bundled); orders the codes.
        adjudicate: also write ``adjudication.csv`` and its base file.
        label_errors: also write ``likely_label_errors.csv`` (needs ``texts``).
        n_boot: bootstrap resamples for the alpha interval.
        seed: bootstrap and cross-validation seed.
        force: overwrite existing output files.
        shared: make output files readable by others (default owner-only).
        warn: called with a message for every non-fatal problem.

    Raises:
        InputError, OutputError, ModelError: see the messages.
    """
    df = normalise_annotations(annotations)
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir}: is a file; --out takes a folder")
    if not out_dir.parent.exists():
        raise OutputError(f"{out_dir}: the folder '{out_dir.parent}' does not exist")
    paths = _outputs(out_dir, adjudicate=adjudicate, label_errors=label_errors)
    if out_dir.exists():
        for path in paths.values():
            check_output_path(path, force=force)  # fail before the (slow) work
    if MODEL_CODER in set(df["coder"]) and model is not None:
        raise InputError(f"a coder is already named '{MODEL_CODER}'; rename it to use --model")
    doc_ids = [str(d) for d in coverage(df).index]
    lacking = [d for d in doc_ids if d not in texts]
    if lacking and (model is not None or label_errors or adjudicate):
        raise InputError(
            f"document '{lacking[0]}' ({len(lacking)} in all) has no text; pass --texts "
            "(a corpus JSONL with id and text, or a folder of .txt files)"
        )
    notes: list[str] = []
    if lacking and df["start"].notna().any():
        warn(f"{len(lacking)} document(s) have no text: the segment level leaves them out")
    order = _code_order(codebook_path)
    humans = coders_of(df)
    scores = None
    if model is not None:
        model_dir = None if str(model) == DEFAULT_MODEL else Path(model)
        rows, scores, kind = model_annotations(
            texts, model_dir=model_dir, codebook_path=codebook_path, doc_ids=doc_ids
        )
        if kind == "rules":
            notes.append("No trained model was found: coder 'model' is the codebook rules alone.")
            warn(notes[-1])
        df = pd.concat([df, normalise_annotations(rows, source="model")], ignore_index=True)
    coders = coders_of(df)
    agreement = agreement_table(df, texts=texts, codes=order, n_boot=n_boot, seed=seed)
    disagreements = find_disagreements(df, texts=texts, scores=scores, codes=order)
    result = AuditResult(agreement, disagreements, coders, len(doc_ids), notes=notes)
    if label_errors:
        from testimonycoder.audit.label_errors import find_label_errors

        result.label_errors = find_label_errors(
            df[df["coder"].isin(humans)], texts,
            codes=[c for c in order if "." not in c], codebook_path=codebook_path, seed=seed,
        )  # fmt: skip
    out_dir.mkdir(exist_ok=True)
    _write_csv(paths["agreement.csv"], agreement, force=force, shared=shared)
    _write_csv(paths["disagreements.csv"], disagreements, force=force, shared=shared)
    if result.label_errors is not None:
        _write_csv(
            paths["likely_label_errors.csv"], result.label_errors, force=force, shared=shared
        )
    if adjudicate:
        human_disagreements = find_disagreements(
            df, texts=texts, scores=scores, coders=humans, codes=order
        )
        result.adjudication = adjudication_sheet(human_disagreements)
        _write_csv(paths["adjudication.csv"], result.adjudication, force=force, shared=shared)
        base = adjudication_base(df, texts, coders=humans)
        from testimonycoder.io.atomic import write_bytes_atomic

        write_bytes_atomic(paths[BASE_NAME], base_bytes(base), force=force, shared=shared)
    html = render_report(
        agreement, disagreements, coders=coders, texts=texts, n_documents=len(doc_ids),
        label_errors=result.label_errors, notes=notes,
    )  # fmt: skip
    write_text_atomic(paths["report.html"], html, force=force, shared=shared)
    result.files = list(paths.values())
    return result


def _write_csv(path: Path, frame: pd.DataFrame, *, force: bool, shared: bool) -> None:
    write_text_atomic(path, frame.to_csv(index=False), force=force, shared=shared)
