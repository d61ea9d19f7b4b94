"""The trainable classifier: passage and document logistic regressions, stacked and calibrated.

``TestimonyClassifier`` follows the scikit-learn estimator contract: ``__init__`` only stores
parameters, ``fit`` learns attributes ending in ``_`` and returns ``self``, and the predict
methods check that the model is fitted. ``X`` is a list of Docs from
:func:`testimonycoder.pipeline.build_nlp` (or of texts, which are run through that pipeline).

For each code ``c``:

1. a passage model scores every sentence with its neighbours (see :mod:`testimonycoder.features`);
   it is trained on sentences labelled by the gold spans when a document has spans;
2. a document model scores the whole document;
3. a calibrator (logistic regression fitted on out-of-fold scores) turns the max passage
   score, the document score and the document's length (see
   :func:`testimonycoder.scorer.calibration_inputs`) into a calibrated probability;
4. a per-code threshold maximising out-of-fold F1 (smoothed over neighbouring thresholds)
   decides the code.

The scoring itself lives in :class:`testimonycoder.scorer.ModelScorer`, which needs no
scikit-learn: :meth:`TestimonyClassifier.scorer` exports the learned arrays to one, and saved
models are such arrays plus a JSON manifest (see :mod:`testimonycoder.model_store`), never pickled
code.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted
from spacy.tokens import Doc

from testimonycoder.codebook import Codebook
from testimonycoder.features import DocBatch, FeatureConfig, Featurizer
from testimonycoder.hybrid import DocScores
from testimonycoder.parallel import usable_cpus
from testimonycoder.scorer import (
    PARAMS,
    ModelScorer,
    calibrate,
    check_codebook_hash,
    raw_scores,
)

Span = tuple[int, int, str]  # (start_char, end_char, code) of an asserted gold span


def _fit_column(
    X: Any, y: np.ndarray, C: float, seed: int, primal: bool
) -> tuple[np.ndarray, float]:
    """Weights and intercept of one logistic regression (a constant model for one class).

    ``primal`` picks liblinear's primal trust-region Newton solver instead of its dual
    coordinate descent. Both solve the same problem; which one is faster depends on the data.
    Measured on the corpus (one fold, 2026-11-27): on the passage problems (about 55k rows),
    the primal solver at tolerance 0.01 took 2.6-3.7 s per code against 4.5-7.2 s for the dual
    at 0.2, and came as close to the exact optimum (decision values within 0.02-0.04 of it,
    against 0.05-0.10 for the dual). On the document problems (about 6,800 rows) the dual was
    three times faster and closer (within 0.015 against 0.04-0.11).
    """
    if len(y) == 0 or y.min() == y.max():
        rate = (float(y.sum()) + 0.5) / (len(y) + 1.0)
        return np.zeros(X.shape[1], dtype=np.float32), float(np.log(rate / (1 - rate)))
    model = LogisticRegression(
        C=C,
        class_weight="balanced",
        solver="liblinear",
        dual=not primal,
        random_state=seed,
        max_iter=5000,
        # Dual (chosen on the passage problems before they moved to the primal solver):
        # scikit-learn's 1e-4 made training on the corpus take 2.5 minutes; liblinear's own
        # default, 0.1, moved decision values by at most 0.05, and 0.2 by at most 0.05 again,
        # 15% faster, without moving the held-out-author metrics (issue 4, 2026-11-26).
        # Primal: see above.
        tol=0.01 if primal else 0.2,
    ).fit(X, y)
    return model.coef_[0].astype(np.float32), float(model.intercept_[0])


def _fit_linear(
    problems: list[tuple[Any, np.ndarray, bool]], C: float, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """One logistic regression per column of each ``Y``, as ``(coef (k, F) float32,
    intercept (k,))`` per ``(X, Y, primal)`` problem (``primal``: see :func:`_fit_column`).

    A column with a single class (e.g. no positive example in a tiny training set) becomes a
    constant model: zero weights and the logit of a smoothed rate as intercept. All columns of
    all problems go to one queue of worker processes, one per CPU, so that a core waits only at
    the very end, not at the end of every problem. Not threads: liblinear shuffles with the C
    library's global ``rand()``, so fits sharing a process would not be reproducible.
    """
    # liblinear works on float64 CSR; converting once avoids a copy per code.
    matrices = [X.astype(np.float64).tocsr() for X, _, _ in problems]
    tasks = [(i, k) for i, (_, Y, _) in enumerate(problems) for k in range(Y.shape[1])]
    workers = max(1, min(len(tasks), usable_cpus()))
    fits = Parallel(n_jobs=workers)(
        delayed(_fit_column)(matrices[i], problems[i][1][:, k], C, seed, problems[i][2])
        for i, k in tasks
    )
    out = [
        (np.zeros((Y.shape[1], X.shape[1]), dtype=np.float32), np.zeros(Y.shape[1]))
        for X, Y, _ in problems
    ]
    for (i, k), (w, b) in zip(tasks, fits, strict=True):
        out[i][0][k], out[i][1][k] = w, b
    return out


FitData = tuple[DocBatch, np.ndarray, list[list[Span]] | None]


def fit_batches(models: list[TestimonyClassifier], data: list[FitData]) -> None:
    """Fit each model on its ``(batch, Y, spans)`` (see :meth:`TestimonyClassifier.fit_batch`),
    with the logistic regressions of all of them in one worker queue (the folds of ``train``).

    ``Y`` has a row per row of ``batch.documents``. That matrix may hold more rows than the
    batch has documents (``train`` appends joined documents, :mod:`testimonycoder.joined`):
    the passages come from the batch's own documents, the rows after them only train the
    document model."""
    problems: list[tuple[Any, np.ndarray, bool]] = []
    for model, (batch, Y, spans) in zip(models, data, strict=True):
        model.codes_ = list(model.codes or [])
        problems.append((*model._passage_training_set(batch, Y, spans, model.codes_), True))
        problems.append((batch.documents, Y, False))
    C, seed = {m.C for m in models}, {m.seed for m in models}
    if len(C) != 1 or len(seed) != 1:
        raise ValueError("fit_batches needs models with the same C and seed")
    fits = _fit_linear(problems, C.pop(), seed.pop())
    for j, model in enumerate(models):
        model.passage_coef_, model.passage_intercept_ = fits[2 * j]
        model.doc_coef_, model.doc_intercept_ = fits[2 * j + 1]
        if not hasattr(model, "calibrators_"):
            n = len(model.codes_)
            model.calibrators_ = np.tile(np.array([[4.0, 4.0, 0.0, 0.0, 0.0, -4.0]]), (n, 1))
            model.thresholds_ = np.full(n, 0.5)
            model.rule_floors_ = np.full(n, 0.5)
            model.review_band_ = 0.0


class TestimonyClassifier(ClassifierMixin, BaseEstimator):
    """Multi-label classifier of testimonies over the codebook's top-level codes.

    Args:
        codes: the code ids, in output order.
        C: inverse regularisation strength of the logistic regressions.
        window: sentences either side of a passage's centre.
        word_features, char_features: hashed feature space sizes.
        word_weight, char_weight, rule_weight: weights of the three feature blocks.
        review_recall: share of the documents coded wrongly out of fold that the review queue
            must hold; training learns the log-odds band that achieves it (see
            :mod:`testimonycoder.hybrid`).
        join_share, join_max: ``train`` adds ``join_share`` joined documents per document, each
            a document and 1 to ``join_max - 1`` documents without a code, to fit the document
            models and calibrators on long documents (see :mod:`testimonycoder.joined`); 0 adds
            none.
        seed: random seed (liblinear's shuffling).
    """

    __test__ = False

    def __init__(
        self,
        codes: list[str] | None = None,
        *,
        C: float = 8.0,
        window: int = 0,
        word_features: int = 2**16,
        char_features: int = 2**16,
        review_recall: float = 0.7,
        join_share: float = 0.5,
        join_max: int = 8,
        seed: int = 0,
        word_weight: float = 1.0,
        char_weight: float = 0.8,
        rule_weight: float = 0.3,
    ) -> None:
        self.codes = codes
        self.word_weight = word_weight
        self.char_weight = char_weight
        self.rule_weight = rule_weight
        self.C = C
        self.window = window
        self.word_features = word_features
        self.char_features = char_features
        self.review_recall = review_recall
        self.join_share = join_share
        self.join_max = join_max
        self.seed = seed

    # -- fitting ---------------------------------------------------------------------------
    def _featurizer(self) -> Featurizer:
        return Featurizer(
            FeatureConfig(
                word_features=self.word_features,
                char_features=self.char_features,
                window=self.window,
                word_weight=self.word_weight,
                char_weight=self.char_weight,
                rule_weight=self.rule_weight,
            )
        )

    def fit_batch(
        self,
        batch: DocBatch,
        Y: np.ndarray,
        spans: list[list[Span]] | None = None,
    ) -> TestimonyClassifier:
        """Fit the passage and document models on featurised docs (no calibration)."""
        fit_batches([self], [(batch, Y, spans)])
        return self

    def fit(
        self, X: list[Doc], Y: np.ndarray, spans: list[list[Span]] | None = None
    ) -> TestimonyClassifier:
        """Fit on Docs ``X`` with labels ``Y`` (n_docs x n_codes); see ``training.train``
        for the full procedure with cross-validated calibration and thresholds."""
        batch = self._featurizer().transform(list(X))
        return self.fit_batch(batch, np.asarray(Y), spans)

    def _passage_training_set(
        self,
        batch: DocBatch,
        Y: np.ndarray,
        spans: list[list[Span]] | None,
        codes: list[str],
    ) -> tuple[Any, np.ndarray]:
        """Passage rows and labels: gold spans label sentences; docs without spans give their
        document label to every passage only when negative (all passages of a doc without the
        code are negatives); positive docs without spans are left to the document model."""
        rows: list[int] = []
        labels: list[list[int]] = []
        for d in range(len(batch.spans)):
            doc_spans = (spans[d] if spans is not None else None) or []
            lo = int(batch.offsets[d])
            for i, (s, e) in enumerate(batch.spans[d]):
                label = []
                usable = True
                for k, code in enumerate(codes):
                    if Y[d, k] == 0:
                        label.append(0)
                    elif doc_spans:
                        label.append(
                            int(any(a < e and s < b for a, b, c in doc_spans if c == code))
                        )
                    else:
                        usable = False
                        label.append(1)
                if usable:
                    rows.append(lo + i)
                    labels.append(label)
        return batch.passages[rows], np.asarray(labels, dtype=np.int64).reshape(-1, len(codes))

    # -- scoring (by ModelScorer, which coding uses without scikit-learn) --------------------
    def scorer(self) -> ModelScorer:
        """The learned arrays and parameters as a :class:`ModelScorer` (shared, not copied)."""
        check_is_fitted(self, "passage_coef_")
        return ModelScorer(
            codes=list(self.codes_),
            params={k: getattr(self, k) for k in PARAMS},
            arrays={
                "passage_coef": np.asarray(self.passage_coef_, dtype=np.float32),
                "passage_intercept": np.asarray(self.passage_intercept_, dtype=np.float64),
                "doc_coef": np.asarray(self.doc_coef_, dtype=np.float32),
                "doc_intercept": np.asarray(self.doc_intercept_, dtype=np.float64),
                "calibrators": np.asarray(self.calibrators_, dtype=np.float64),
                "thresholds": np.asarray(self.thresholds_, dtype=np.float64),
                "rule_floors": np.asarray(
                    getattr(self, "rule_floors_", np.full(len(self.codes_), 0.5)),
                    dtype=np.float64,
                ),
                "review_band": np.array([getattr(self, "review_band_", 0.0)], dtype=np.float64),
                "review_choices": np.asarray(
                    getattr(self, "review_choices_", np.zeros((0, 2))), dtype=np.float64
                ).reshape(-1, 2),
            },
            codebook_hash=self.codebook_hash,
            name=self.name,
            fingerprint=self.fingerprint,
        )

    def raw_scores(self, batch: DocBatch) -> tuple[np.ndarray, list[np.ndarray]]:
        """Uncalibrated ``(doc_scores (n_docs, n_codes, 2), per-doc passage scores)``."""
        check_is_fitted(self, "passage_coef_")
        return raw_scores(
            batch,
            (self.passage_coef_, self.passage_intercept_),
            (self.doc_coef_, self.doc_intercept_),
        )

    def calibrate(self, raw: np.ndarray) -> np.ndarray:
        """Calibrated probabilities (n_docs, n_codes) from raw stacked scores."""
        return calibrate(self.calibrators_, raw)

    def predict_proba(self, X: list[Doc]) -> np.ndarray:
        """Calibrated probability of every code for every doc (n_docs x n_codes)."""
        return self.scorer().predict_proba(X)

    def predict(self, X: list[Doc]) -> np.ndarray:
        """0/1 decisions of the model alone (n_docs x n_codes), at the per-code thresholds."""
        return self.scorer().predict(X)

    def score_docs(self, docs: list[Doc]) -> list[DocScores]:
        """Document and passage scores used by the hybrid decision (one batch at a time)."""
        return self.scorer().score_docs(docs)

    # -- metadata used by coding -----------------------------------------------------------
    @property
    def thresholds(self) -> dict[str, float]:
        return {c: float(t) for c, t in zip(self.codes_, self.thresholds_, strict=True)}

    @property
    def rule_floors(self) -> dict[str, float]:
        floors = getattr(self, "rule_floors_", np.full(len(self.codes_), 0.5))
        return {c: float(f) for c, f in zip(self.codes_, floors, strict=True)}

    @property
    def review_band(self) -> float:
        return float(getattr(self, "review_band_", 0.0))

    codebook_hash: str = ""
    name: str = "testimonycoder-model"
    fingerprint: str = ""

    def check_codebook(self, codebook: Codebook) -> None:
        """Refuse to code with a codebook other than the one the model was trained under."""
        check_codebook_hash(self.codebook_hash, codebook)

    def n_features_expected(self) -> int:
        return self._featurizer().n_features

    def feature_config(self) -> dict[str, Any]:
        return asdict(self._featurizer().config)
