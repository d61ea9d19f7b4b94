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

import bisect
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LEMMA, LENGTH
from spacy.strings import StringStore
from spacy.tokens import Doc

from testimonycoder.doc_text import doc_text
from testimonycoder.hashing import NgramHasher, normalize_rows
from testimonycoder.sentences import sentence_bounds
from testimonycoder.turns import in_ranges

RULE_BLOCK_FEATURES = 2**12
# Words whose character n-gram rows are kept between batches; the cache is emptied when it is
# full, so memory stays bounded however large the corpus.
WORD_CACHE_SIZE = 200_000


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


def concat_batches(parts: list[DocBatch]) -> DocBatch:
    """The batches of consecutive chunks of documents as one batch, in order."""
    starts = np.cumsum([0] + [int(b.offsets[-1]) for b in parts[:-1]])
    offsets = [parts[0].offsets[:1]] + [
        b.offsets[1:] + s for b, s in zip(parts, starts, strict=True)
    ]
    return DocBatch(
        sentences=sp.vstack([b.sentences for b in parts], format="csr"),
        passages=sp.vstack([b.passages for b in parts], format="csr"),
        documents=sp.vstack([b.documents for b in parts], format="csr"),
        spans=[s for b in parts for s in b.spans],
        offsets=np.concatenate(offsets).astype(np.int64),
        questions=[q for b in parts for q in b.questions],
    )


class Featurizer:
    """Stateless transformer from Docs to sparse feature matrices."""

    def __init__(self, config: FeatureConfig) -> None:
        self.config = config
        # scikit-learn's HashingVectorizer computes the same matrices (tests/test_hashing.py);
        # NgramHasher spares the prediction path the import of scikit-learn.
        self._words = NgramHasher(config.word_features, "word", (1, 2))
        self._chars = NgramHasher(config.char_features, "char_wb", (3, 5))
        self._word_rows: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._lemma_lower: dict[int, str] = {}
        self._strings: StringStore | None = None
        self._rules = NgramHasher(RULE_BLOCK_FEATURES, "word", (1, 1))

    @property
    def n_features(self) -> int:
        return self.config.word_features + self.config.char_features + RULE_BLOCK_FEATURES

    def transform(self, docs: list[Doc]) -> DocBatch:
        lemmas: list[np.ndarray] = []
        texts: list[str] = []
        rules: list[str] = []
        spans: list[list[tuple[int, int]]] = []
        questions: list[list[bool]] = []
        offsets = [0]
        if docs:
            self._strings = docs[0].vocab.strings
        for doc in docs:
            doc_spans, doc_q = self._sentences(doc, lemmas, texts, rules)
            spans.append(doc_spans)
            questions.append(doc_q)
            offsets.append(offsets[-1] + len(doc_spans))
        blocks = [
            self._block(self._word_counts(lemmas), self.config.word_weight),
            self._block(self._char_ngrams(texts), self.config.char_weight),
            self._block(self._rules.transform(rules), self.config.rule_weight),
        ]
        sentences = sp.hstack(blocks, format="csr")
        offs = np.asarray(offsets, dtype=np.int64)
        passages = normalize_rows(self._window(offs) @ sentences)
        keep = ~np.fromiter((q for doc_q in questions for q in doc_q), dtype=bool)
        documents = normalize_rows(self.doc_sum(offs, keep) @ sentences)
        return DocBatch(sentences, passages, documents, spans, offs, questions)

    def _word_counts(self, lemmas: list[np.ndarray]) -> sp.csr_matrix:
        """``self._words.transform`` of each sentence's lower-cased lemmas joined by spaces.

        ``lemmas`` holds each sentence's lemma hashes (punctuation and spaces left out). The
        unigram and bigram columns are looked up once per distinct lemma and lemma pair of the
        batch, with numpy spreading them to the sentences, rather than joining and re-splitting
        strings and hashing every n-gram of every sentence. A lemma that is empty or holds
        whitespace would be split differently by the vectorizer's ``\\S+`` tokens: such a batch
        takes the plain path.
        """
        lengths = np.fromiter((len(ids) for ids in lemmas), dtype=np.int64, count=len(lemmas))
        n_rows = len(lemmas)
        if not lengths.sum():
            return sp.csr_matrix((n_rows, self.config.word_features), dtype=np.float64)
        ids = np.concatenate(lemmas)
        rows = np.repeat(np.arange(n_rows, dtype=np.int64), lengths)
        distinct, inverse = np.unique(ids, return_inverse=True)
        lower = [self._lower(int(h)) for h in distinct.tolist()]
        if any(not w or len(w.split()) != 1 or w.strip() != w for w in lower):
            return self._words.transform(
                " ".join(lower[i] for i in inv)
                for inv in np.split(inverse, np.cumsum(lengths)[:-1])
            )
        column = self._words.column
        unigrams = np.array([column(w) for w in lower], dtype=np.int64)[inverse]
        # Bigrams: neighbouring lemmas of one sentence.
        same = rows[1:] == rows[:-1]
        first, second = inverse[:-1][same], inverse[1:][same]
        pair_rows = rows[:-1][same]
        cols = [unigrams]
        if len(first):
            pairs, pair_inverse = np.unique(first * len(distinct) + second, return_inverse=True)
            n = len(distinct)
            bigram_cols = np.array(
                [column(lower[p // n] + " " + lower[p % n]) for p in pairs.tolist()],
                dtype=np.int64,
            )
            cols.append(bigram_cols[pair_inverse])
        matrix = sp.csr_matrix(
            (
                np.ones(len(rows) + len(pair_rows), dtype=np.float64),
                (np.concatenate([rows, pair_rows]), np.concatenate(cols)),
            ),
            shape=(n_rows, self.config.word_features),
        )
        matrix.sum_duplicates()
        return matrix

    def _lower(self, lemma: int) -> str:
        low = self._lemma_lower.get(lemma)
        if low is None:
            assert self._strings is not None  # set by transform()
            low = self._lemma_lower[lemma] = self._strings[lemma].lower()
        return low

    def _char_ngrams(self, texts: list[str]) -> sp.csr_matrix:
        """The same matrix as ``self._chars.transform(texts)``, computed per distinct word.

        ``char_wb`` n-grams never cross whitespace, so a text's counts are the sum of its words'
        counts. A hashing vectorizer re-analyses every occurrence of every word; here each
        distinct word is analysed once (and kept in a bounded cache), and the texts' rows are one
        sparse product of a text-by-word count matrix with the words' n-gram rows.
        """
        index: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        for i, text in enumerate(texts):
            for word in text.lower().split():
                rows.append(i)
                cols.append(index.setdefault(word, len(index)))
        words = list(index)
        cached = self._word_rows
        missing = [w for w in words if w not in cached]
        if missing:
            if len(cached) + len(missing) > WORD_CACHE_SIZE:
                cached.clear()
                missing = words
            fresh = self._chars.transform(missing).tocsr()
            bounds = fresh.indptr.tolist()
            for j, word in enumerate(missing):
                lo, hi = bounds[j], bounds[j + 1]
                cached[word] = (fresh.indices[lo:hi], fresh.data[lo:hi])
        n_texts, n_features = len(texts), self.config.char_features
        if not words:
            return sp.csr_matrix((n_texts, n_features), dtype=np.float64)
        counts = sp.csr_matrix(
            (np.ones(len(rows)), (rows, cols)), shape=(n_texts, len(words)), dtype=np.float64
        )
        parts = [cached[w] for w in words]
        indptr = np.zeros(len(words) + 1, dtype=np.int64)
        np.cumsum([len(ix) for ix, _ in parts], out=indptr[1:])
        by_word = sp.csr_matrix(
            (
                np.concatenate([d for _, d in parts]),
                np.concatenate([ix for ix, _ in parts]),
                indptr,
            ),
            shape=(len(words), n_features),
        )
        return (counts @ by_word).tocsr()

    @staticmethod
    def _block(matrix: sp.csr_matrix, weight: float) -> sp.csr_matrix:
        matrix = matrix.astype(np.float32)
        matrix.data = np.log1p(matrix.data)
        return normalize_rows(matrix) * weight

    def _sentences(
        self, doc: Doc, lemmas: list[np.ndarray], texts: list[str], rules: list[str]
    ) -> tuple[list[tuple[int, int]], list[bool]]:
        evidence = doc._.evidence or []
        q_ranges = doc._.questions or []
        # One array read per document instead of attribute look-ups on a Token object per token
        # (``doc.sents`` alone builds a Python Token for every token to find the boundaries).
        arr = doc.to_array([LEMMA, IS_PUNCT, IS_SPACE, IDX, LENGTH])
        words = arr[:, 0][(arr[:, 1] == 0) & (arr[:, 2] == 0)]
        # kept_before[i]: how many of the tokens before token i are words (not punct/space).
        kept_before = np.concatenate(([0], np.cumsum((arr[:, 1] == 0) & (arr[:, 2] == 0))))
        text = doc_text(doc)
        bounds = sentence_bounds(doc)
        # Character offsets of the sentences, read at their first and last tokens only (a
        # ``tolist`` of the whole offset columns cost a fifth of the model's scoring).
        first = np.array([lo for lo, _ in bounds], dtype=np.int64)
        last = np.array([hi - 1 for _, hi in bounds], dtype=np.int64)
        kept = [
            (lo, hi, start, end)
            for (lo, hi), start, end in zip(
                bounds, arr[first, 3].tolist(), (arr[last, 3] + arr[last, 4]).tolist(), strict=True
            )
            if text[start:end].strip()
        ]
        spans = [(start, end) for _, _, start, end in kept]
        flags = [in_ranges(start, q_ranges) for start, _ in spans]
        for lo, hi, start, end in kept:
            lemmas.append(words[kept_before[lo] : kept_before[hi]])
            texts.append(text[start:end])
        rules.extend(_rule_terms(spans, evidence))
        if not spans:  # an empty or whitespace-only document: one empty unit
            spans.append((0, len(text)))
            flags.append(False)
            lemmas.append(words[:0])
            texts.append("")
            rules.append("")
        return spans, flags

    def _window(self, offsets: np.ndarray) -> sp.csr_matrix:
        """Banded matrix summing each sentence with its neighbours inside the same doc."""
        n = int(offsets[-1])
        doc_of = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
        rows, cols = [], []
        for shift in range(-self.config.window, self.config.window + 1):
            i = np.arange(max(0, -shift), min(n, n - shift))
            same = doc_of[i] == doc_of[i + shift]
            rows.append(i[same])
            cols.append(i[same] + shift)
        r, c = np.concatenate(rows), np.concatenate(cols)
        data = np.ones(len(r), dtype=np.float32)
        return sp.csr_matrix((data, (r, c)), shape=(n, n))

    @staticmethod
    def doc_sum(offsets: np.ndarray, keep: np.ndarray) -> sp.csr_matrix:
        """Sum of each document's sentences, leaving out interviewer questions."""
        n_docs = len(offsets) - 1
        n = int(offsets[-1])
        rows = np.repeat(np.arange(n_docs), np.diff(offsets))
        data = keep.astype(np.float32)
        return sp.csr_matrix((data, (rows, np.arange(n))), shape=(n_docs, n))


def _rule_terms(spans: list[tuple[int, int]], evidence: list[Any]) -> list[str]:
    """Each span's rule-evidence terms (code|status, code|status|experiencer, rule|status) of
    the top-level evidence that overlaps it, in evidence order.

    Each piece of evidence is placed by bisecting the (ordered, disjoint) spans rather than
    tested against every span: long transcripts have hundreds of both.
    """
    ends = [end for _, end in spans]
    terms: list[list[str]] = [[] for _ in spans]
    for c, a, b, s, x, r in evidence:
        if "." in c:
            continue
        i = bisect.bisect_right(ends, a)
        while i < len(spans) and spans[i][0] < b:
            terms[i].append(f"{c}|{s} {c}|{s}|{x} {r}|{s}")
            i += 1
    return [" ".join(t) for t in terms]
