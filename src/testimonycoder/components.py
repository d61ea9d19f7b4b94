"""spaCy pipeline components registered by testimonycoder.

* ``testimonycoder_segmenter_v1`` starts a new sentence at every line break, so that speaker turns
  and headers never share a sentence with the text before them.
* ``testimonycoder_lemma_case_v1`` gives capitalised tokens the lemma of their lower-case form
  (the lookup tables are case-sensitive: "Sold" would otherwise stay "Sold").
* ``testimonycoder_codebook_v1`` applies the codebook rules with context and writes the evidence.

The codebook component writes ``doc.spans["codes"]`` (one span per hit, all statuses, labelled
with the code), ``doc._.evidence`` (tuples ``(code, start_char, end_char, status, experiencer,
rule)``, the record of truth that survives multiprocessing), ``doc._.codes`` (asserted
top-level codes) and ``doc._.subcodes``, and the span extensions ``status``, ``experiencer`` and
``rule``. Add it to your own pipeline with ``nlp.add_pipe("testimonycoder_codebook_v1",
config={"codebook": "path/to/codebook.yaml"})``.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from typing import Any

from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc, Span

from testimonycoder.codebook import Codebook, Rule, load_codebook
from testimonycoder.context import ContextDetector, is_first_person
from testimonycoder.doc_text import doc_text
from testimonycoder.rules import Hit, RuleSet
from testimonycoder.sentences import sentence_bounds
from testimonycoder.turns import TurnFinder, in_ranges

EvidenceTuple = tuple[str, int, int, str, str, str]


def _span_lookup(field: int):
    def getter(span: Span) -> str | None:
        for ev in span.doc._.evidence:
            if ev[0] == span.label_ and ev[1] == span.start_char and ev[2] == span.end_char:
                return str(ev[field])
        return None

    return getter


def _register_extensions() -> None:
    for name, default in (
        ("evidence", []),
        ("codes", []),
        ("subcodes", []),
        ("questions", []),
        ("codebook_hash", None),
    ):
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None if default is None else default.copy())
    for name, field in (("status", 3), ("experiencer", 4), ("rule", 5)):
        if not Span.has_extension(name):
            Span.set_extension(name, getter=_span_lookup(field))


_register_extensions()


@Language.component("testimonycoder_segmenter_v1")
def segmenter(doc: Doc) -> Doc:
    """Force a sentence start after each line break (turns, headers, list items)."""
    starts = [t.i + 1 for t in doc[:-1] if "\n" in t.text or "\n" in t.whitespace_]
    if not starts:
        return doc
    # One array write instead of ``token.is_sent_start = True`` per line: that setter scans the
    # whole Doc each time, which made a 20 MB transcript take hours.
    sent_starts = doc.to_array([SENT_START])
    sent_starts[starts] = 1
    doc.from_array([SENT_START], sent_starts)  # type: ignore[arg-type]
    return doc


@Language.factory("testimonycoder_lemma_case_v1")
def make_lemma_case(nlp: Language, name: str):
    return _LemmaCase(nlp)


class _LemmaCase:
    def __init__(self, nlp: Language) -> None:
        self._nlp = nlp
        self._table: dict[str, str] | None = None

    def _lookup(self) -> dict[str, str]:
        if self._table is None:
            lemmatizer = self._nlp.get_pipe("lemmatizer")
            self._table = lemmatizer.lookups.get_table("lemma_lookup")  # type: ignore[attr-defined]
        assert self._table is not None
        return self._table

    def __call__(self, doc: Doc) -> Doc:
        table = self._lookup()
        for token in doc:
            if not token.is_lower and token.is_alpha:
                lower = token.lower_
                token.lemma_ = table.get(lower, lower)
        return doc


@Language.factory(
    "testimonycoder_codebook_v1",
    default_config={"codebook": None},
    assigns=["doc.spans", "doc._.evidence", "doc._.codes", "doc._.subcodes"],
)
def make_codebook_component(nlp: Language, name: str, codebook: str | None):
    return CodebookComponent(nlp, load_codebook(codebook))


class CodebookComponent:
    """Applies codebook rules, context and turn detection to a Doc."""

    def __init__(self, nlp: Language, codebook: Codebook) -> None:
        self.codebook = codebook
        self._rules = RuleSet(nlp.vocab, codebook, nlp.make_doc, "rules", _lemma_table(nlp))
        self._cues = RuleSet(nlp.vocab, codebook, nlp.make_doc, "cues")
        self._context = ContextDetector(nlp.vocab, codebook, nlp.make_doc)
        self._turns = TurnFinder(codebook.turns)
        self._parents = {c.id: c.parent for c in codebook.codes if c.parent}
        self._cue_scope = {c.id: c.cue_scope for c in codebook.codes}
        self._hash = codebook.hash

    def __call__(self, doc: Doc) -> Doc:
        turns = self._turns.find(doc_text(doc))
        questions = [(t.start, t.end) for t in turns if t.role == "question"]
        hits = [h for h in self._rules(doc) if not in_ranges(doc[h.start].idx, questions)]
        triggers = self._context.triggers(doc) if hits else []
        first_person = is_first_person(doc)
        sent_starts = [s for s, _ in sentence_bounds(doc)] if hits else []
        cues = self._context.cues(doc) if hits else []
        words: dict[tuple[int, int], str] = {}  # for _vetoed, per token range
        # Triggers grouped by sentence: status() only looks inside the hit's sentence, and
        # scanning every trigger of the document for every hit is quadratic on long transcripts.
        by_sentence: dict[int, list[Any]] = {}
        for trig in triggers:
            by_sentence.setdefault(_sentence_index(sent_starts, trig.start), []).append(trig)
        evidence: list[EvidenceTuple] = []
        spans: list[Span] = []
        asserted: list[tuple[Hit, int]] = []
        for hit in hits:
            code, rule = self._rules.rules[hit.rule]
            s_idx = _sentence_index(sent_starts, hit.start)
            s_start = sent_starts[s_idx]
            s_end = sent_starts[s_idx + 1] if s_idx + 1 < len(sent_starts) else len(doc)
            if rule.veto and _vetoed(doc, hit, s_start, s_end, rule, words):
                continue
            status, _ = self._context.status(
                doc,
                hit.start,
                hit.end,
                s_start,
                s_end,
                by_sentence.get(s_idx, []) + by_sentence.get(s_idx + 1, []),
                frozenset(rule.exempt),
                sent_starts[s_idx + 2] if s_idx + 2 < len(sent_starts) else len(doc),
            )
            who = self._context.experiencer(
                doc, hit.start, hit.end, s_start, s_end, first_person, cues
            )
            span = doc[hit.start : hit.end]
            evidence.append((code, span.start_char, span.end_char, status, who, hit.rule))
            spans.append(Span(doc, hit.start, hit.end, label=code))
            if status == "asserted":
                asserted.append((hit, s_idx))
        subcodes = (
            self._subcodes(doc, asserted, sent_starts, evidence, questions) if asserted else []
        )
        doc.spans["codes"] = spans
        doc._.evidence = evidence
        doc._.codes = sorted({h.code for h, _ in asserted})
        doc._.subcodes = subcodes
        doc._.questions = questions
        doc._.codebook_hash = self._hash
        return doc

    def _subcodes(
        self,
        doc: Doc,
        asserted: list[tuple[Hit, int]],
        sent_starts: list[int],
        evidence: list[EvidenceTuple],
        questions: list[tuple[int, int]],
    ) -> list[str]:
        cues = [c for c in self._cues(doc) if not in_ranges(doc[c.start].idx, questions)]
        found: list[str] = []
        # Only hits near a cue can satisfy _cue_applies (its sentence or the next one, or a few
        # tokens before it); bisecting to them keeps long documents linear. Hits are in order.
        hit_starts = [hit.start for hit, _ in asserted]
        longest = max(hit.end - hit.start for hit, _ in asserted)
        for cue in cues:
            if cue.code in found:
                continue
            parent = self._parents.get(cue.code)
            k = _sentence_index(sent_starts, cue.start)
            lower = min(sent_starts[k], cue.start - 8 - longest)
            upper = sent_starts[k + 2] if k + 2 < len(sent_starts) else len(doc)
            lo = bisect.bisect_left(hit_starts, lower)
            hi = bisect.bisect_left(hit_starts, upper)
            for hit, s_idx in asserted[lo:hi]:
                if hit.code != parent or cue.code in found:
                    continue
                if self._cue_applies(doc, cue, hit, s_idx, sent_starts):
                    span = doc[hit.start : hit.end]
                    evidence.append(
                        (cue.code, span.start_char, span.end_char, "asserted", "self", cue.rule)
                    )
                    found.append(cue.code)
        return sorted(found)

    def _cue_applies(
        self, doc: Doc, cue: Hit, hit: Hit, s_idx: int, sent_starts: list[int]
    ) -> bool:
        prev_start = sent_starts[max(0, s_idx - 1)]
        s_end = sent_starts[s_idx + 1] if s_idx + 1 < len(sent_starts) else len(doc)
        if self._cue_scope.get(cue.code) == "agent":
            if prev_start <= cue.start and cue.end <= hit.end:
                return True
            after = doc[hit.end : min(s_end, hit.end + 3)]
            by = next((t.i for t in after if t.lower_ == "by"), None)
            return by is not None and by < cue.start <= by + 6
        return prev_start <= cue.start < s_end


def _lemma_table(nlp: Language) -> Mapping[str, str] | None:
    """The lookup lemma table, when the pipeline lemmatises by lookup with our case fix.

    Only then is a token's lemma the lookup lemma of its lower-cased form, which lets the rules
    test LEMMA lists with lexeme flags (see :mod:`testimonycoder.rules`).
    """
    if "lemmatizer" not in nlp.pipe_names or "testimonycoder_lemma_case_v1" not in nlp.pipe_names:
        return None
    lemmatizer = nlp.get_pipe("lemmatizer")
    if getattr(lemmatizer, "mode", None) != "lookup":
        return None
    try:
        return lemmatizer.lookups.get_table("lemma_lookup")  # type: ignore[attr-defined]
    except KeyError:
        return None


def _sentence_index(sent_starts: list[int], token_i: int) -> int:
    return max(0, bisect.bisect_right(sent_starts, token_i) - 1)


def _vetoed(
    doc: Doc, hit: Hit, s_start: int, s_end: int, rule: Rule, words: dict[tuple[int, int], str]
) -> bool:
    """True when one of the rule's veto words or phrases occurs in the hit's sentence, or
    within ``rule.veto_window`` tokens of the hit ("sold fish").

    ``words`` keeps the lower-cased words of each token range already looked at, since several
    hits often share a sentence.
    """
    lo, hi = s_start, s_end
    if rule.veto_window is not None:
        lo = max(s_start, hit.start - rule.veto_window)
        hi = min(s_end, hit.end + rule.veto_window)
    text = words.get((lo, hi))
    if text is None:
        text = words[lo, hi] = " " + " ".join(t.lower_ for t in doc[lo:hi]) + " "
    return any(f" {v} " in text for v in rule.veto)
