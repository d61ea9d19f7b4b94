"""Finding the model to use: an explicit directory, the bundled default, or none (rules only)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from testimonycoder.codebook import Codebook
from testimonycoder.errors import ModelError
from testimonycoder.model_store import MODEL_FILE, OLD_MODEL_FILE, load_model

if TYPE_CHECKING:
    from testimonycoder.scorer import ModelScorer


def resolve_model(
    model_dir: Path | None,
    codebook: Codebook,
    *,
    use_model: bool = True,
    review_recall: float | None = None,
) -> ModelScorer | None:
    """Load ``model_dir``, else the bundled default if it exists and fits the codebook.

    With ``review_recall``, the model's review band is the one training learned for that share
    of errors (see :meth:`~testimonycoder.scorer.ModelScorer.with_review_recall`).
    """
    model = _resolve(model_dir, codebook, use_model=use_model)
    if review_recall is None:
        return model
    if model is None:
        raise ModelError(
            "--review-recall sets the model's review queue, but no model is in use (rules "
            "only); drop --review-recall or --rules-only"
        )
    return model.with_review_recall(review_recall)


def _resolve(model_dir: Path | None, codebook: Codebook, *, use_model: bool) -> ModelScorer | None:
    if not use_model:
        return None
    from testimonycoder.resources import default_model_dir

    if model_dir is None:
        default = default_model_dir()
        if not (default / MODEL_FILE).exists():
            return None
        model = load_model(default)
        if model.codebook_hash != codebook.hash:
            # A custom codebook with the bundled model: fall back to rules rather than refuse.
            return None
        return model
    if not (model_dir / MODEL_FILE).exists() and not (model_dir / OLD_MODEL_FILE).exists():
        raise ModelError(f"{model_dir}: no {MODEL_FILE} in this folder; train one with 'train'")
    model = load_model(model_dir)
    model.check_codebook(codebook)
    return model
