"""code_documents(): documents -> spaCy Docs -> rules + context (+ model) -> Coding records.

This is the library entry point behind ``testimonycoder code``. Without a model the coding is
rules-only: a code is assigned when at least one piece of evidence for it is ``asserted``. With a
model, rules and model are combined as documented in :mod:`testimonycoder.hybrid`.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING

from spacy.language import Language
from spacy.tokens import Doc

from testimonycoder.codebook import Codebook
from testimonycoder.doc_text import doc_text
from testimonycoder.document import Coding, Document, Evidence, Segment
from testimonycoder.hybrid import combine, rules_only_scores
from testimonycoder.pipeline import pipeline_codebook
from testimonycoder.sentences import sentence_chars

if TYPE_CHECKING:
    from testimonycoder.model import TestimonyClassifier
    from testimonycoder.scorer import ModelScorer


def rule_evidence(doc: Doc) -> list[Evidence]:
    """The evidence tuples written by the codebook component, as :class:`Evidence` records."""
    text = doc_text(doc)
    return [
        Evidence(code, start, end, text[start:end], "rules", status, who, rule)
        for code, start, end, status, who, rule in doc._.evidence
    ]


def _segments(doc: Doc, evidence: list[Evidence]) -> list[Segment]:
    """Sentences that hold asserted evidence, with the codes found in each."""
    spans = [
        (e.start, e.end, e.code) for e in evidence if e.status == "asserted" and "." not in e.code
    ]
    if not spans:
        return []
    # Bucket evidence by sentence with bisect (not every span against every sentence) and read
    # doc.text once: spaCy rebuilds it on each access, which is quadratic on long documents.
    text = doc_text(doc)
    sents = sentence_chars(doc)
    starts = [s for s, _ in sents]
    buckets: dict[int, set[str]] = {}
    for a, b, code in spans:
        i = max(0, bisect.bisect_right(starts, a) - 1)
        while i < len(sents) and sents[i][0] < b:
            if a < sents[i][1]:
                buckets.setdefault(i, set()).add(code)
            i += 1
    out: list[Segment] = []
    for i in sorted(buckets):
        s, e = sents[i]
        passage = text[s:e]
        # Trim surrounding whitespace so the segment is the sentence itself.
        lead = len(passage) - len(passage.lstrip())
        trail = len(passage) - len(passage.rstrip())
        out.append(Segment(s + lead, e - trail, sorted(buckets[i])))
    return out


def code_docs(
    docs: list[Doc],
    ids: list[str],
    *,
    codebook: Codebook,
    model: ModelScorer | TestimonyClassifier | None = None,
) -> list[Coding]:
    """Code a batch of already-processed spaCy Docs (the model scores the batch at once)."""
    top = codebook.top_level
    codebook_hash = codebook.hash  # hashes the whole codebook: once per batch, not per document
    model_scores = model.score_docs(docs) if model is not None else [None] * len(docs)
    out = []
    for doc, doc_id, scored in zip(docs, ids, model_scores, strict=True):
        evidence = rule_evidence(doc)
        if scored is None or model is None:
            decision = rules_only_scores(evidence, top)
        else:
            decision = combine(
                doc, evidence, scored, top, model.thresholds, model.review_band, model.rule_floors
            )
        evidence = evidence + decision.model_evidence
        subcodes = [s for s in doc._.subcodes if s.split(".")[0] in decision.codes]
        out.append(
            Coding(
                id=doc_id,
                codes=decision.codes,
                subcodes=subcodes,
                scores=decision.scores,
                review=bool(decision.reasons),
                review_reasons=decision.reasons,
                review_margin=decision.margin,
                codebook=codebook_hash,
                evidence=evidence,
                segments=_segments(doc, evidence),
                attributes=list(doc._.attributes or []),
            )
        )
    return out


def code_documents(
    documents: Iterable[Document],
    *,
    nlp: Language,
    model: ModelScorer | TestimonyClassifier | None = None,
    batch_size: int = 64,
    n_process: int = 1,
) -> Iterator[Coding]:
    """Code ``documents`` lazily, in input order.

    Args:
        documents: the documents to code (any iterable; consumed lazily).
        nlp: a pipeline from :func:`testimonycoder.pipeline.build_nlp`.
        model: an optional trained classifier; rules-only when None.
        batch_size: documents per ``nlp.pipe`` batch and per model call.
        n_process: worker processes. Where processes can be forked, each worker runs the whole
            pipeline and builds the codings (:mod:`testimonycoder.parallel`); elsewhere spaCy's
            ``nlp.pipe(n_process=...)`` is used.
    """
    codebook = pipeline_codebook(nlp)
    if model is not None:
        model.check_codebook(codebook)
    if n_process > 1:
        from testimonycoder.parallel import code_documents_multiprocess, fork_available

        if fork_available():
            yield from code_documents_multiprocess(
                documents, nlp=nlp, model=model, batch_size=batch_size, n_process=n_process
            )
            return
    stream = ((d.text, d.id) for d in documents)
    piped = nlp.pipe(stream, as_tuples=True, batch_size=batch_size, n_process=n_process)
    while True:
        chunk = list(islice(piped, batch_size))
        if not chunk:
            return
        docs = [d for d, _ in chunk]
        ids = [i for _, i in chunk]
        yield from code_docs(docs, ids, codebook=codebook, model=model)
