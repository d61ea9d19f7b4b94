"""Training texts to rule decisions and feature matrices, on forked processes.

Running the pipeline and the featurizer over the training texts was an eighth of ``train`` on
the corpus, in one process while the other core sat idle. Forked workers inherit the pipeline and
the featurizer (nothing is pickled on the way out) and send back only the sparse matrices and
the rule decisions of a contiguous chunk of texts; the parent stacks the chunks in order. Every
document's features depend on that document alone, so the result is identical to one process.
spaCy's own ``nlp.pipe(n_process=...)`` would ship every Doc back to the parent instead.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np

from testimonycoder.features import DocBatch, Featurizer, concat_batches
from testimonycoder.parallel import fork_available, usable_cpus
from testimonycoder.pipeline import ATTRIBUTES_PIPE

if TYPE_CHECKING:
    from spacy.language import Language

# Small training sets (a team's first 30 annotated interviews) stay in one process: at 400 texts
# the work is about a second, so starting workers gains little. Not tuned.
MIN_PARALLEL = 400
CHUNK = 250

# Set in the parent just before the pool forks; the children inherit it (nothing is pickled).
_FORKED: dict[str, Any] = {}


def _process(texts: list[str]) -> tuple[np.ndarray, DocBatch]:
    nlp: Language = _FORKED["nlp"]
    featurizer: Featurizer = _FORKED["featurizer"]
    codes: list[str] = _FORKED["codes"]
    # The attributes (prices, ages...) are not features: skip them.
    with nlp.select_pipes(disable=[ATTRIBUTES_PIPE]):
        docs = list(nlp.pipe(texts, batch_size=32))
    rules = np.array([[int(c in d._.codes) for c in codes] for d in docs], dtype=np.int64)
    return rules.reshape(len(docs), len(codes)), featurizer.transform(docs)


def rules_and_features(
    nlp: Language, featurizer: Featurizer, texts: list[str], codes: list[str]
) -> tuple[np.ndarray, DocBatch]:
    """``(rules (n_docs, n_codes) 0/1 asserted by the rules, feature batch)`` for ``texts``."""
    workers = min(usable_cpus(), max(1, len(texts) // CHUNK))
    _FORKED.update(nlp=nlp, featurizer=featurizer, codes=codes)
    try:
        if workers < 2 or len(texts) < MIN_PARALLEL or not fork_available():
            return _process(texts)
        chunks = [texts[i : i + CHUNK] for i in range(0, len(texts), CHUNK)]
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            parts = list(pool.map(_process, chunks))
    finally:
        _FORKED.clear()
    return np.vstack([r for r, _ in parts]), concat_batches([b for _, b in parts])
