"""The model as one more coder: code the audited documents and return them in long format."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from testimonycoder.document import Document

MODEL_CODER = "model"


def model_annotations(
    texts: dict[str, str],
    *,
    model_dir: Path | None = None,
    codebook_path: Path | None = None,
    doc_ids: list[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Code ``texts`` with the pipeline (+ model) and return them as coder ``"model"``.

    Args:
        texts: document id -> text.
        model_dir: a trained model folder; None uses the bundled default model, or the codebook
            rules alone when no bundled model fits the codebook.
        codebook_path: codebook YAML (default: bundled).
        doc_ids: the documents to code (default: all of ``texts``), in this order.

    Returns:
        ``(annotations, scores, kind)``: long-format rows (codes and sub-codes as document-level
        rows plus every evidence span with its status), the model's scores as columns
        ``doc_id, code, score``, and ``kind``, ``"model"`` or ``"rules"``, saying what coded.
    """
    from testimonycoder.coding import code_documents
    from testimonycoder.model_io import resolve_model
    from testimonycoder.pipeline import build_nlp, pipeline_codebook

    nlp = build_nlp(codebook_path)
    model = resolve_model(model_dir, pipeline_codebook(nlp))
    ids = doc_ids if doc_ids is not None else list(texts)
    docs = (Document(doc_id, texts[doc_id]) for doc_id in ids)
    rows: list[dict[str, object]] = []
    scores: list[dict[str, object]] = []
    for coding in code_documents(docs, nlp=nlp, model=model):
        for code in [*coding.codes, *coding.subcodes]:
            rows.append({"doc_id": coding.id, "coder": MODEL_CODER, "code": code})
        for ev in coding.evidence:
            if "." in ev.code:
                continue  # sub-code evidence duplicates its parent's passage
            status = ev.status
            if status == "asserted" and ev.code not in coding.codes:
                # The model overruled the rule (hybrid): the passage must not count as applied.
                status = "overruled"
            rows.append(
                {
                    "doc_id": coding.id, "coder": MODEL_CODER, "code": ev.code,
                    "start": ev.start, "end": ev.end, "status": status,
                    "experiencer": ev.experiencer,
                }
            )  # fmt: skip
        if not coding.codes:
            rows.append({"doc_id": coding.id, "coder": MODEL_CODER, "code": ""})
        scores.extend(
            {"doc_id": coding.id, "code": code, "score": float(score)}
            for code, score in coding.scores.items()
        )
    kind = "model" if model is not None else "rules"
    return (
        pd.DataFrame(rows),
        pd.DataFrame(scores, columns=["doc_id", "code", "score"]),
        kind,
    )
