"""Attributes of a testimony: prices, ages, times sold, durations and places, with context.

The extractors come from the codebook's ``attributes`` section (spaCy token patterns) and the
places from the gazetteer. Each attribute is a dict::

    {"type": "price", "value": 18000, "currency": "CNY", "text": "18,000 yuan",
     "start": 661, "end": 672, "status": "asserted", "about": "self",
     "code": "forced_marriage", "rule": "price.amount_currency"}

with, depending on the type, ``value_max`` (a range), ``qualifier`` ("more than", ...),
``conversion`` (the same amount in another currency, as written: "¥24,000 ($3500 USD)"),
``per`` (a rate: "¥30 a time"), ``unit`` (durations), ``person`` (whose age: "man"),
``kind``/``country``/``province`` (places).

``status`` comes from the same context triggers as evidence (:mod:`testimonycoder.context`):
"threatened to sell her for ¥5000" gives a ``threatened`` price, not a price paid. Prices and
counts of sales also take the status of the code evidence they belong to when every code in
their sentence has the same non-asserted status. ``about`` is whose attribute it is (self, other,
general), and ``code`` the nearest top-level code evidence (a price next to a forced marriage is
a price for a "wife"). Attributes in interviewer questions are ignored.

The component ``testimonycoder_attributes_v1`` writes them to ``doc._.attributes``; it runs after
``testimonycoder_codebook_v1``, whose evidence it reads.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy
from spacy.attrs import IDX, LEMMA, LOWER
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

from testimonycoder.codebook import Codebook, Extractor, load_codebook
from testimonycoder.context import ContextDetector, is_first_person
from testimonycoder.doc_text import doc_text
from testimonycoder.gazetteer import Gazetteer
from testimonycoder.number_tokens import (
    Marks,
    TokenFlags,
    first_value,
    group_values,
    native_pattern,
    number_groups,
)
from testimonycoder.numbers import as_number, parse_number
from testimonycoder.places import PlaceFinder, gazetteer_for
from testimonycoder.sentences import sentence_bounds

# Where extractors of different types overlap, the earlier type wins ("14 years old" is an age,
# not a duration of 14 years).
_TYPE_ORDER = {"price": 0, "age": 1, "times_sold": 2, "duration": 3}
_CONVERSION_GAP = re.compile(
    r"^\s*(?:[(\[,=]|or|,\s*or|—|–)\s*(?:about|approximately|approx\.|around|roughly|some|~)?\s*$"
)
_YEAR = re.compile(r"^(19|20)\d\d$")
_ONE = frozenset({"a", "an", "one"})
_SELF = frozenset({"i", "me", "my", "we", "us", "our"})
_SUBJECT = frozenset({"she", "her", "subject"})
_GENERAL = frozenset({"they", "them", "girls", "women", "children"})


if not Doc.has_extension("attributes"):
    Doc.set_extension("attributes", default=None)


@dataclass(frozen=True, slots=True)
class _DocInfo:
    """What every step needs to know about the Doc, computed once."""

    sents: list[tuple[int, int]]
    first_person: bool
    starts: list[int] = field(init=False)

    def __post_init__(self) -> None:
        # Frozen: set once here, not rebuilt for every attribute (it showed in the profile).
        object.__setattr__(self, "starts", [s for s, _ in self.sents])

    def sentence_of(self, token: int) -> int:
        return max(0, bisect.bisect_right(self.starts, token) - 1)


@dataclass(frozen=True, slots=True)
class _Match:
    extractor: Extractor
    start: int
    end: int


class AttributeExtractor:
    """Finds the codebook's attributes (and gazetteer places) in a processed Doc."""

    def __init__(
        self,
        vocab: Vocab,
        codebook: Codebook,
        make_doc: Callable[[str], Doc],
        gazetteer: Gazetteer | None,
    ) -> None:
        spec = codebook.attributes
        self._spec = spec
        self._extractors = {e.id: e for e in spec.extractors}
        self._matcher = Matcher(vocab, validate=True)
        for ex in spec.extractors:
            self._matcher.add(ex.id, [native_pattern(ex.pattern)])
        anchors = _anchors(spec.extractors)
        # As arrays of string hashes, to compare with doc.to_array([LOWER, LEMMA]).
        self._anchors = (
            None
            if anchors is None
            else tuple(
                numpy.array([vocab.strings.add(w) for w in sorted(words)], dtype=numpy.uint64)
                for words in anchors
            )
        )
        self._flags = TokenFlags(vocab, spec, make_doc)
        self._qualifiers = PhraseMatcher(vocab, attr="LOWER")
        for qual, phrases in spec.qualifiers.items():
            self._qualifiers.add(qual, [make_doc(p) for p in phrases])
        self._rates = PhraseMatcher(vocab, attr="LOWER")
        self._rates.add("rate", [make_doc(r) for r in spec.rates])
        self._others = frozenset(p.lower() for p in spec.other_persons)
        self._other_cues = frozenset(c for c in codebook.experiencer.other if " " not in c)
        self._context = ContextDetector(vocab, codebook, make_doc)
        self._places = PlaceFinder(vocab, gazetteer, make_doc) if gazetteer else None

    def __call__(self, doc: Doc) -> Doc:
        doc._.attributes = self.extract(doc)
        return doc

    def extract(self, doc: Doc) -> list[dict[str, Any]]:
        """All attributes of ``doc``, in text order."""
        if not len(doc):
            return []
        info = _DocInfo(sentence_bounds(doc), is_first_person(doc))
        marks = self._flags.mark(doc)
        try:
            found = self._numeric(doc, info, marks)
        finally:
            self._flags.clear(doc, marks)
        if self._places is not None:
            found += self._places(doc)
        questions = doc._.questions or []
        found = [a for a in found if not any(s <= a["start"] < e for s, e in questions)]
        found.sort(key=lambda a: (a["start"], a["end"]))
        self._add_context(doc, info, found)
        return [_ordered(a) for a in _attach_conversions(doc_text(doc), found)]

    # -- token flags (what the patterns' ``_`` keys test) -----------------------------------

    def _candidate_sentences(self, doc: Doc, info: _DocInfo, marks: Marks) -> list[tuple[int, int]]:
        """Runs of sentences that hold a token every match of some extractor needs.

        Matching ``_`` attributes is slow in spaCy's Matcher, and most sentences hold no
        number, unit or sale verb; patterns without such an anchor make every sentence count.
        """
        if self._anchors is None:
            return info.sents
        lowers, lemmas = self._anchors
        arr = doc.to_array([LOWER, LEMMA])
        hits = marks.flagged | numpy.isin(arr[:, 0], lowers) | numpy.isin(arr[:, 1], lemmas)
        # hits_before[i]: how many tokens before token i are hits.
        hits_before = numpy.concatenate(([0], numpy.cumsum(hits))).tolist()
        runs: list[tuple[int, int]] = []
        for start, end in info.sents:
            if hits_before[end] > hits_before[start]:
                # Adjacent sentences are searched together: PDF text breaks lines (and so
                # sentences) inside "twenty-two\nthousand yuan".
                if runs and runs[-1][1] == start:
                    runs[-1] = (runs[-1][0], end)
                else:
                    runs.append((start, end))
        return runs

    # -- prices, ages, times sold, durations -----------------------------------------------

    def _numeric(self, doc: Doc, info: _DocInfo, marks: Marks) -> list[dict[str, Any]]:
        currency_at = marks.currency_at
        matches = [
            _Match(self._extractors[doc.vocab.strings[m]], start + s, start + e)
            for start, end in self._candidate_sentences(doc, info, marks)
            for m, s, e in self._matcher(doc[start:end])
        ]
        matches.sort(key=lambda m: (_TYPE_ORDER[m.extractor.type], -(m.end - m.start), m.start))
        taken: set[int] = set()
        kept: list[_Match] = []
        for m in matches:
            if taken.isdisjoint(range(m.start, m.end)):
                kept.append(m)
                taken.update(range(m.start, m.end))
        qualifier_end = {e: (doc.vocab.strings[q], s) for q, s, e in self._qualifiers(doc)}
        rate_start = {s: doc[s:e].text for _, s, e in self._rates(doc)}
        out: list[dict[str, Any]] = []
        for m in kept:
            out.extend(self._build(doc, info, m, currency_at, qualifier_end, rate_start))
        return out

    def _build(
        self,
        doc: Doc,
        info: _DocInfo,
        m: _Match,
        currency_at: dict[int, str],
        qualifier_end: dict[int, tuple[str, int]],
        rate_start: dict[int, str],
    ) -> list[dict[str, Any]]:
        ex = m.extractor
        groups = number_groups(doc, m.start, m.end)
        if doc[m.start : m.end].text.lower() in ex.exclude:
            return []
        first = next(
            (i for i in range(m.start, m.end) if doc[i]._.tc_num or doc[i].lower_ in _ONE),
            m.start,
        )
        found = _qualifier_before(doc, qualifier_end, m.start, first)
        # Context triggers inside the attribute ("almost a year") are not its status.
        base: dict[str, Any] = {"type": ex.type, "rule": ex.id, "_own": (m.start, m.end)}
        if found is not None:
            base["_own"] = (min(m.start, found[1]), m.end)
        qualifier = ex.qualifier or (found[0] if found else None)
        if qualifier:
            base["qualifier"] = qualifier
        if ex.type == "price":
            return self._price(doc, m, groups, currency_at, rate_start, base)
        if ex.type == "age":
            return self._ages(doc, info, m, groups, base)
        value = ex.value if ex.value is not None else first_value(doc, groups, m.start, m.end)
        if value is None:
            return []
        item = {**base, "value": as_number(value), **_char_span(doc, m.start, m.end)}
        if ex.type == "duration":
            unit = next(
                (
                    self._flags.units[t.lower_]
                    for t in doc[m.start : m.end]
                    if t.lower_ in self._flags.units
                ),
                None,
            )
            if unit is None:
                return []
            item["unit"] = unit
        return [item]

    def _price(
        self,
        doc: Doc,
        m: _Match,
        groups: list[tuple[int, int]],
        currency_at: dict[int, str],
        rate_start: dict[int, str],
        base: dict[str, Any],
    ) -> list[dict[str, Any]]:
        values = [v for s, e in groups for v in group_values(doc, s, e)]
        if not values:
            return []
        currency = next((currency_at[i] for i in range(m.start, m.end) if i in currency_at), None)
        # The amount and its currency, without the "for her" of price.for_person.
        keep = [i for i in range(m.start, m.end) if doc[i]._.tc_num or i in currency_at]
        start, end = keep[0], keep[-1] + 1
        while start > 0 and (start - 1) in currency_at:  # "¥" before a match that starts later
            start -= 1
            currency = currency or currency_at[start]
        if currency is None and (values[0] < 10 or _YEAR.match(doc[start].text)):
            return []  # "in 2015 for her", "two for them": not prices
        item = {
            **base,
            "value": as_number(values[0]),
            "currency": currency,
            **_char_span(doc, start, end),
        }
        if len(values) > 1 and values[1] > values[0]:
            item["value_max"] = as_number(values[1])
        if end in rate_start:
            item["per"] = rate_start[end].split(" ", 1)[-1].lower()
        return [item]

    def _ages(
        self,
        doc: Doc,
        info: _DocInfo,
        m: _Match,
        groups: list[tuple[int, int]],
        base: dict[str, Any],
    ) -> list[dict[str, Any]]:
        person = None
        after = doc[m.end] if m.end < len(doc) else None
        if (
            doc[m.end - 1].lower_ == "old"
            and after is not None
            and after.is_alpha
            and not after.is_stop
        ):
            person = after.lower_
        about = (
            "other"
            if person in self._others
            else self._age_about(doc, info, groups[0][0] if groups else m.start)
        )
        out = []
        span = [(m.start, m.end)] if len(groups) == 1 else groups
        for (gs, ge), (ss, se) in zip(groups, span, strict=False):
            value = parse_number([t.text for t in doc[gs:ge]])
            if value is None or not 1 <= value <= 110:
                continue
            item = {**base, "value": as_number(value), **_char_span(doc, ss, se)}
            if person:
                item["person"] = person
            if about:
                item["about"] = about
            out.append(item)
        return out

    def _age_about(self, doc: Doc, info: _DocInfo, start: int) -> str | None:
        """Whose age: the nearest person word before it in the sentence ("the son was 40")."""
        first_person = info.first_person
        sent_start = info.sents[info.sentence_of(start)][0]
        for token in reversed(doc[max(sent_start, start - 8) : start]):
            low = token.lower_
            if low in _SUBJECT:  # before the cues: "she" is the subject of a case note
                return "other" if first_person else "self"
            if low in self._others or low in self._other_cues:
                return "other"
            if low in _SELF:
                return "self"
            if low in _GENERAL:
                return "general"
        return None

    # -- places -----------------------------------------------------------------------------

    # -- status, experiencer and code -------------------------------------------------------

    def _add_context(self, doc: Doc, info: _DocInfo, found: list[dict[str, Any]]) -> None:
        if not found:
            return
        sents = info.sents
        token_starts = doc.to_array(IDX).tolist()
        triggers = self._context.triggers(doc)
        cues = self._context.cues(doc)
        first_person = info.first_person
        evidence = [
            (ev[0], _token_at(token_starts, ev[1]), _token_at(token_starts, ev[2] - 1) + 1, ev[3])
            for ev in (doc._.evidence or [])
            if "." not in ev[0]
        ]
        # Each attribute looks only at the evidence and triggers near it; scanning all of them for
        # every attribute was quadratic on long transcripts. Positions sorted by start, with the
        # original order kept among the selected ones (it breaks ties).
        ev_order = sorted(range(len(evidence)), key=lambda i: evidence[i][1])
        ev_starts = [evidence[i][1] for i in ev_order]
        longest = max((e[2] - e[1] for e in evidence), default=0)
        window = self._spec.code_window
        trig_order = sorted(range(len(triggers)), key=lambda i: triggers[i].start)
        trig_starts = [triggers[i].start for i in trig_order]
        for item in found:
            start = _token_at(token_starts, item["start"])
            end = _token_at(token_starts, item["end"] - 1) + 1
            own_start, own_end = item.pop("_own", (start, end))
            s_start, s_end = sents[info.sentence_of(start)]
            # status() only counts triggers inside the sentence.
            near = _between(trig_order, trig_starts, s_start, s_end)
            outside = [
                t for t in (triggers[i] for i in near) if t.end <= own_start or t.start >= own_end
            ]
            status, _ = self._context.status(doc, start, end, s_start, s_end, outside)
            about = item.pop("about", None) or self._context.experiencer(
                doc, start, end, s_start, s_end, first_person, cues
            )
            # _code() keeps evidence in the sentence or within ``window`` tokens.
            lo = min(s_start, start - window - longest)
            hi = max(s_end, end + window)
            nearby = [evidence[i] for i in _between(ev_order, ev_starts, lo, hi)]
            code, inherited = self._code(item["type"], start, end, s_start, s_end, nearby, status)
            if status == "asserted" and inherited and item["type"] in self._spec.inherit_status:
                status = inherited
            item.update(status=status, about=about, code=code)

    def _code(
        self,
        kind: str,
        start: int,
        end: int,
        s_start: int,
        s_end: int,
        evidence: list[tuple[str, int, int, str]],
        status: str,
    ) -> tuple[str | None, str | None]:
        """The code an attribute belongs to, and a status to inherit (see the module docs)."""
        prefer = set(self._spec.prefer_codes.get(kind, []))  # type: ignore[call-overload]
        window = self._spec.code_window
        best: tuple[tuple[int, int, int], str] | None = None
        in_sentence: list[str] = []
        for code, e_start, e_end, e_status in evidence:
            distance = max(0, e_start - end + 1, start - e_end + 1)
            same = s_start <= e_start < s_end
            if same:
                in_sentence.append(e_status)
            elif distance > window:
                continue
            rank = (int(not same), int(e_status != status), 0 if same and code in prefer else 1)
            full = (rank[0], rank[1], rank[2] * 10_000 + distance)
            if best is None or full < best[0]:
                best = (full, code)
        inherited = None
        if in_sentence and len(set(in_sentence)) == 1 and in_sentence[0] != "asserted":
            inherited = in_sentence[0]
        return (best[1] if best else None), inherited


def _between(order: list[int], starts: list[int], lo: int, hi: int) -> list[int]:
    """Indices (from ``order``, sorted by ``starts``) whose start is in ``[lo, hi)``, returned
    in their original order."""
    return sorted(order[bisect.bisect_left(starts, lo) : bisect.bisect_left(starts, hi)])


def _anchors(extractors: list[Extractor]) -> tuple[frozenset[str], frozenset[str]] | None:
    """Words (LOWER, LEMMA) one of which every match must hold, besides the ``tc_*`` flags.

    For each pattern, a required token that tests a ``tc_*`` flag (covered by the flagged
    tokens), else its first required LOWER/LEMMA token. None when some pattern has neither,
    so that every sentence is searched.
    """
    lowers: set[str] = set()
    lemmas: set[str] = set()
    for ex in extractors:
        required = [t for t in ex.pattern if t.get("OP") in (None, "+")]
        if any("_" in t for t in required):
            continue
        for token in required:
            found = False
            for key, bucket in (("LOWER", lowers), ("LEMMA", lemmas)):
                value = token.get(key)
                if isinstance(value, str):
                    bucket.add(value.lower())
                    found = True
                elif isinstance(value, dict) and set(value) == {"IN"}:
                    bucket.update(str(v).lower() for v in value["IN"])
                    found = True
            if found:
                break
        else:
            return None
    return frozenset(lowers), frozenset(lemmas)


def _qualifier_before(
    doc: Doc, qualifiers: dict[int, tuple[str, int]], start: int, first: int
) -> tuple[str, int] | None:
    """``(qualifier, its first token)`` ending right before the match or before its number."""
    for end in range(first, start - 1, -1):
        if end in qualifiers:
            return qualifiers[end]
    return None


def _char_span(doc: Doc, start: int, end: int) -> dict[str, Any]:
    span = doc[start:end]
    return {"text": span.text, "start": span.start_char, "end": span.end_char}


def _token_at(token_starts: list[int], char: int) -> int:
    return max(0, bisect.bisect_right(token_starts, char) - 1)


def _attach_conversions(text: str, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """ "¥24,000 Chinese Yuan ($3500 USD)": the second price is a conversion of the first."""
    out: list[dict[str, Any]] = []
    for item in found:
        prev = next((a for a in reversed(out) if a["type"] == "price"), None)
        if (
            item["type"] == "price"
            and prev is not None
            and "conversion" not in prev
            and item.get("currency") != prev.get("currency")
            and _CONVERSION_GAP.match(text[prev["end"] : item["start"]])
        ):
            prev["conversion"] = {
                k: item[k] for k in ("value", "currency", "text", "start", "end") if k in item
            }
            continue
        out.append(item)
    return out


_KEY_ORDER = (
    "type",
    "value",
    "value_max",
    "qualifier",
    "currency",
    "unit",
    "per",
    "conversion",
    "kind",
    "country",
    "province",
    "person",
    "text",
    "start",
    "end",
    "status",
    "about",
    "code",
    "rule",
)
_KEY_RANK = {k: i for i, k in enumerate(_KEY_ORDER)}


def _ordered(item: dict[str, Any]) -> dict[str, Any]:
    """The same dict with keys in one documented order (easier to read in the JSONL)."""
    return dict(sorted(item.items(), key=lambda kv: _KEY_RANK.get(kv[0], len(_KEY_RANK))))


@Language.factory(
    "testimonycoder_attributes_v1",
    default_config={"codebook": None},
    assigns=["doc._.attributes"],
    requires=["doc._.evidence"],
)
def make_attributes_component(nlp: Language, name: str, codebook: str | None) -> AttributeExtractor:
    if nlp.has_pipe("testimonycoder_codebook_v1"):
        book = nlp.get_pipe("testimonycoder_codebook_v1").codebook  # type: ignore[attr-defined]
    else:
        book = load_codebook(codebook)
    return AttributeExtractor(nlp.vocab, book, nlp.make_doc, gazetteer_for(book, codebook))
