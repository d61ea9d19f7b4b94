"""Scoring with a trained model: plain arrays, numpy and scipy, no scikit-learn.

:class:`~testimonycoder.model.TestimonyClassifier` (a scikit-learn estimator) learns the
arrays; :class:`ModelScorer` holds them and does all the scoring, for the estimator itself and
for a model loaded from disk (:mod:`testimonycoder.model_store`). Coding therefore never imports
scikit-learn, which took longer to import than the rest of a ``code`` run's start-up.

For each code: passage and document scores are logistic functions of the hashed features
(:mod:`testimonycoder.features`); the calibrated probability is a logistic function of the
max passage score ``p``, the document score ``d``, the length ``L = log(1 + scored sentences)``
and the products ``p*L`` and ``d*L`` (so the weight of each score can change with length); the
per-code threshold and rule floor decide the code together with the rules
(:mod:`testimonycoder.hybrid`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from spacy.tokens import Doc

from testimonycoder.codebook import Codebook
from testimonycoder.errors import ModelError
from testimonycoder.features import DocBatch, FeatureConfig, Featurizer
from testimonycoder.hybrid import DocScores

# The estimator's hyper-parameters, stored with every model.
PARAMS = (
    "C",
    "window",
    "word_features",
    "char_features",
    "review_recall",
    "join_share",
    "join_max",
    "seed",
    "word_weight",
    "char_weight",
    "rule_weight",
)
# The learned arrays: name -> number of dimensions (rows are codes; ``review_band`` is one value,
# ``review_choices`` one row ``[share, band]`` per share of errors that training measured).
ARRAYS = {
    "passage_coef": 2,
    "passage_intercept": 1,
    "doc_coef": 2,
    "doc_intercept": 1,
    "calibrators": 2,
    "thresholds": 1,
    "rule_floors": 1,
    "review_band": 1,
    "review_choices": 2,
}


def logistic_scores(coef: np.ndarray, intercept: np.ndarray, X: Any) -> np.ndarray:
    """``sigmoid(X @ coef.T + intercept)`` for a sparse ``X`` (one column per code)."""
    z = np.asarray(X @ coef.T) + intercept[None, :]
    return 1.0 / (1.0 + np.exp(-z))


# Raw scores per document and code: max passage score, document score, log(1 + sentences).
N_RAW = 3
# Calibrator inputs (see calibration_inputs); each calibrator is their weights and a bias.
N_CALIBRATION_INPUTS = 5


def calibration_inputs(raw: np.ndarray) -> np.ndarray:
    """``[p, d, L, p*L, d*L]`` per document and code, from raw scores ``(n_docs, n_codes, 3)``.

    The products let a long document lean on its best passage more than a short one does: in a
    long document the document score of a code found in one passage is diluted.
    """
    p, d, length = raw[:, :, 0], raw[:, :, 1], raw[:, :, 2]
    return np.stack([p, d, length, p * length, d * length], axis=2)


def calibrate(calibrators: np.ndarray, raw: np.ndarray) -> np.ndarray:
    """Calibrated probabilities ``(n_docs, n_codes)`` from raw scores ``(n_docs, n_codes, 3)``;
    ``calibrators`` is ``(n_codes, 6)``: the weights of :func:`calibration_inputs`, then a bias."""
    z = np.einsum("dki,ki->dk", calibration_inputs(raw), calibrators[:, :-1]) + calibrators[:, -1]
    return 1.0 / (1.0 + np.exp(-z))


def raw_scores(
    batch: DocBatch,
    passage: tuple[np.ndarray, np.ndarray],
    document: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Uncalibrated ``(raw (n_docs, n_codes, 3), per-doc passage scores)``; ``raw`` holds the
    max passage score, the document score and ``log(1 + sentences scored)`` (questions are not).

    ``passage`` and ``document`` are ``(coef, intercept)`` pairs.
    """
    pass_scores = logistic_scores(*passage, batch.passages)
    doc_scores = logistic_scores(*document, batch.documents)
    n_codes = pass_scores.shape[1]
    out = np.zeros((len(batch.spans), n_codes, N_RAW))
    per_doc = []
    for d in range(len(batch.spans)):
        lo, hi = int(batch.offsets[d]), int(batch.offsets[d + 1])
        ps = pass_scores[lo:hi].copy()
        ps[np.asarray(batch.questions[d], dtype=bool)] = 0.0  # questions are never evidence
        per_doc.append(ps)
        out[d, :, 0] = ps.max(axis=0) if hi > lo else 0.0
        out[d, :, 1] = doc_scores[d]
        out[d, :, 2] = np.log1p(hi - lo - sum(batch.questions[d]))
    return out, per_doc


def feature_config(params: dict[str, Any]) -> FeatureConfig:
    return FeatureConfig(
        word_features=int(params["word_features"]),
        char_features=int(params["char_features"]),
        window=int(params["window"]),
        word_weight=float(params["word_weight"]),
        char_weight=float(params["char_weight"]),
        rule_weight=float(params["rule_weight"]),
    )


def check_codebook_hash(trained_with: str, codebook: Codebook) -> None:
    """Refuse to code with a codebook other than the one a model was trained under
    (``trained_with`` is its hash; empty for a model that does not record one)."""
    if trained_with and trained_with != codebook.hash:
        raise ModelError(
            f"the model was trained with codebook {trained_with}, but the codebook in "
            f"use is {codebook.hash}; retrain the model with 'testimonycoder train' or use "
            "the codebook it was trained with"
        )


@dataclass
class ModelScorer:
    """A fitted model's arrays and the scoring that uses them.

    Args:
        codes: the code ids, in the order of the arrays' rows.
        params: the estimator's hyper-parameters (see ``PARAMS``).
        arrays: the learned arrays (see ``ARRAYS``).
        codebook_hash, name, fingerprint: from the model folder's manifest.
    """

    codes: list[str]
    params: dict[str, Any]
    arrays: dict[str, np.ndarray]
    codebook_hash: str = ""
    name: str = "testimonycoder-model"
    fingerprint: str = ""
    _featurizer: Featurizer | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def featurizer(self) -> Featurizer:
        # One featurizer per model, so its per-word caches last from batch to batch.
        if self._featurizer is None:
            self._featurizer = Featurizer(feature_config(self.params))
        return self._featurizer

    @property
    def n_features(self) -> int:
        return self.featurizer.n_features

    @property
    def review_band(self) -> float:
        """Log-odds band of the review queue (see :mod:`testimonycoder.hybrid`)."""
        return float(self.arrays["review_band"][0])

    def with_review_recall(self, share: float) -> ModelScorer:
        """The same model with the review band that training learned for ``share`` (the share of
        the documents coded wrongly out of fold that the queue holds), instead of its own.

        Raises:
            ModelError: training did not measure a band for ``share``.
        """
        choices = self.arrays["review_choices"]
        match = [band for s, band in choices if abs(s - share) < 1e-9]
        if not match:
            known = ", ".join(f"{s:g}" for s in choices[:, 0]) or "none"
            raise ModelError(
                f"the model has no review band for --review-recall {share:g}; it has bands for "
                f"{known} (or retrain with 'review_recall: {share:g}' in the training config)"
            )
        arrays = dict(self.arrays, review_band=np.array([match[0]], dtype=np.float64))
        return replace(self, arrays=arrays)

    @property
    def thresholds(self) -> dict[str, float]:
        return {c: float(t) for c, t in zip(self.codes, self.arrays["thresholds"], strict=True)}

    @property
    def rule_floors(self) -> dict[str, float]:
        return {c: float(f) for c, f in zip(self.codes, self.arrays["rule_floors"], strict=True)}

    def check_codebook(self, codebook: Codebook) -> None:
        """Refuse to code with a codebook other than the one the model was trained under."""
        check_codebook_hash(self.codebook_hash, codebook)

    def raw_scores(self, batch: DocBatch) -> tuple[np.ndarray, list[np.ndarray]]:
        a = self.arrays
        return raw_scores(
            batch,
            (a["passage_coef"], a["passage_intercept"]),
            (a["doc_coef"], a["doc_intercept"]),
        )

    def predict_proba(self, X: list[Doc]) -> np.ndarray:
        """Calibrated probability of every code for every doc (n_docs x n_codes)."""
        raw, _ = self.raw_scores(self.featurizer.transform(list(X)))
        return calibrate(self.arrays["calibrators"], raw)

    def predict(self, X: list[Doc]) -> np.ndarray:
        """0/1 decisions of the model alone (n_docs x n_codes), at the per-code thresholds."""
        return (self.predict_proba(X) >= self.arrays["thresholds"][None, :]).astype(int)

    def score_docs(self, docs: list[Doc]) -> list[DocScores]:
        """Document and passage scores used by the hybrid decision (one batch at a time)."""
        batch = self.featurizer.transform(docs)
        raw, per_doc = self.raw_scores(batch)
        probs = calibrate(self.arrays["calibrators"], raw)
        # Passage scores stay on the passage model's scale: a passage's score says how strongly
        # that passage alone points at the code.
        return [
            DocScores(
                doc={c: float(probs[d, k]) for k, c in enumerate(self.codes)},
                codes=self.codes,
                spans=batch.spans[d],
                passage_scores=doc_pass,
            )
            for d, doc_pass in enumerate(per_doc)
        ]

    def check_shapes(self) -> None:
        """Raise ValueError unless every array has the shape the codes and params imply."""
        k, n = len(self.codes), self.n_features
        expected = {
            "passage_coef": (k, n),
            "passage_intercept": (k,),
            "doc_coef": (k, n),
            "doc_intercept": (k,),
            "calibrators": (k, N_CALIBRATION_INPUTS + 1),
            "thresholds": (k,),
            "rule_floors": (k,),
            "review_band": (1,),
            "review_choices": (len(self.arrays["review_choices"]), 2),
        }
        for name, shape in expected.items():
            if self.arrays[name].shape != shape:
                raise ValueError(f"array '{name}' has shape {self.arrays[name].shape}, not {shape}")
