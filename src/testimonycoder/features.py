"""Features for the trained classifier, computed from the spaCy pipeline's Docs.

The unit is the sentence (the segmenter also breaks at every line, so a speaker turn's lines are
sentences of their own). Each sentence gets three hashed blocks:

* lemma uni- and bigrams (lower-cased lookup lemmas, punctuation dropped);
* character 3-5-grams within word boundaries of the lower-cased text;
* codebook rule hits as tokens ``code|status``, ``code|status|experiencer`` and ``rule|status``.

Feature hashing keeps no vocabulary, so a saved model holds no string from the training texts
(names, places); the counts are log-scaled and each block is L2-normalised and weighted. A passage
is a sentence with ``window`` sentences either side (a banded matrix product, so text is not
copied); a document is the sum of its sentences except interviewer questions. Everything is
vectorised per batch of Docs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize
from spacy.tokens import Doc

RULE_BLOCK_FEATURES = 2**12


@dataclass(frozen=True)
class FeatureConfig:
    """Hyper-parameters of the feature space (stored with the model)."""

    word_features: int = 2**16
    char_features: int = 2**16
    word_weight: float = 1.0
    char_weight: float = 0.8
    rule_weight: float = 1.2
    window: int = 0


@dataclass
class DocBatch:
    """Sentence, passage and document matrices of a batch of Docs."""

    sentences: sp.csr_matrix
    passages: sp.csr_matrix
    documents: sp.csr_matrix
    spans: list[list[tuple[int, int]]]  # per doc: (start_char, end_char) of each sentence
    offsets: np.ndarray  # row offset of each doc's first sentence; len = n_docs + 1
    questions: list[list[bool]]  # per doc, per sentence: inside an interviewer turn


class Featurizer:
    """Stateless transformer from Docs to sparse feature matrices."""

    def __init__(self, config: FeatureConfig) -> None:
        self.config = config
        self._words = HashingVectorizer(
            n_features=config.word_features,
            ngram_range=(1, 2),
            analyzer="word",
            token_pattern=r"\S+",
            lowercase=False,
            alternate_sign=False,
            norm=None,
        )
        self._chars = HashingVectorizer(
            n_features=config.char_features,
            ngram_range=(3, 5),
            analyzer="char_wb",
            lowercase=True,
            alternate_sign=False,
            norm=None,
        )
        self._rules = HashingVectorizer(
            n_features=RULE_BLOCK_FEATURES,
            analyzer="word",
            token_pattern=r"\S+",
            lowercase=False,
            alternate_sign=False,
            norm=None,
        )

    @property
    def n_features(self) -> int:
        return self.config.word_features + self.config.char_features + RULE_BLOCK_FEATURES

    def transform(self, docs: list[Doc]) -> DocBatch:
        lemmas: list[str] = []
        texts: list[str] = []
        rules: list[str] = []
        spans: list[list[tuple[int, int]]] = []
        questions: list[list[bool]] = []
        offsets = [0]
        for doc in docs:
            doc_spans, doc_q = self._sentences(doc, lemmas, texts, rules)
            spans.append(doc_spans)
            questions.append(doc_q)
            offsets.append(offsets[-1] + len(doc_spans))
        blocks = [
            self._block(self._words.transform(lemmas), self.config.word_weight),
            self._block(self._chars.transform(texts), self.config.char_weight),
            self._block(self._rules.transform(rules), self.config.rule_weight),
        ]
        sentences = sp.hstack(blocks, format="csr")
        offs = np.asarray(offsets, dtype=np.int64)
        passages = normalize(self._window(offs) @ sentences)
        keep = ~np.fromiter((q for doc_q in questions for q in doc_q), dtype=bool)
        documents = normalize(self._doc_sum(offs, keep) @ sentences)
        return DocBatch(sentences, passages, documents, spans, offs, questions)

    @staticmethod
    def _block(matrix: sp.csr_matrix, weight: float) -> sp.csr_matrix:
        matrix = matrix.astype(np.float32)
        matrix.data = np.log1p(matrix.data)
        return normalize(matrix) * weight

    def _sentences(
        self, doc: Doc, lemmas: list[str], texts: list[str], rules: list[str]
    ) -> tuple[list[tuple[int, int]], list[bool]]:
        evidence = doc._.evidence or []
        q_ranges = doc._.questions or []
        spans: list[tuple[int, int]] = []
        flags: list[bool] = []
        for sent in doc.sents:
            if not sent.text.strip():
                continue
            start, end = sent.start_char, sent.end_char
            spans.append((start, end))
            flags.append(any(a <= start < b for a, b in q_ranges))
            lemmas.append(
                " ".join(t.lemma_.lower() for t in sent if not (t.is_punct or t.is_space))
            )
            texts.append(sent.text)
            rules.append(
                " ".join(
                    f"{c}|{s} {c}|{s}|{x} {r}|{s}"
                    for c, a, b, s, x, r in evidence
                    if a < end and start < b and "." not in c
                )
            )
        if not spans:  # an empty or whitespace-only document: one empty unit
            spans.append((0, len(doc.text)))
            flags.append(False)
            lemmas.append("")
            texts.append("")
            rules.append("")
        return spans, flags

    def _window(self, offsets: np.ndarray) -> sp.csr_matrix:
        """Banded matrix summing each sentence with its neighbours inside the same doc."""
        n = int(offsets[-1])
        rows, cols = [], []
        w = self.config.window
        for d in range(len(offsets) - 1):
            lo, hi = int(offsets[d]), int(offsets[d + 1])
            for i in range(lo, hi):
                for j in range(max(lo, i - w), min(hi, i + w + 1)):
                    rows.append(i)
                    cols.append(j)
        data = np.ones(len(rows), dtype=np.float32)
        return sp.csr_matrix((data, (rows, cols)), shape=(n, n))

    @staticmethod
    def _doc_sum(offsets: np.ndarray, keep: np.ndarray) -> sp.csr_matrix:
        """Sum of each document's sentences, leaving out interviewer questions."""
        n_docs = len(offsets) - 1
        n = int(offsets[-1])
        rows = np.repeat(np.arange(n_docs), np.diff(offsets))
        data = keep.astype(np.float32)
        return sp.csr_matrix((data, (rows, np.arange(n))), shape=(n_docs, n))
