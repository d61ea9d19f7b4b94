"""Status and experiencer of each piece of evidence, in the style of NegEx/ConText.

Triggers, pseudo-triggers and terminators are read from the codebook. A *pre* trigger opens a
scope forward and a *post* trigger a scope backward. A scope stays inside the sentence (or speaker
turn), and ends at a terminator ("but", "however", ";") or after the trigger's window of tokens.
Some statuses cross terminators: in "he wanted me to marry his cousin, but I refused", the refusal
comes after "but". When several triggers reach a hit, the codebook's priority order decides
(negated before refused before attempted ...), then the nearest trigger. Triggers are matched on
lower case; each trigger written with "not" is also matched in its contracted forms ("did not"
also matches "didn't" and "didn’t").
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.util import filter_spans
from spacy.vocab import Vocab

from testimonycoder.codebook import Codebook

FIRST_PERSON = frozenset({"i", "me", "my", "myself", "we", "us", "our"})
_SUBJECT_OF_NOTE = frozenset({"she", "her", "herself"})


def normalise(text: str) -> str:
    """Lower case with straight apostrophes."""
    return text.lower().replace("’", "'").replace("‘", "'")


def variants(phrase: str) -> list[str]:
    """A trigger phrase and its contracted and curly-apostrophe spellings."""
    base = normalise(phrase)
    forms = {base}
    if " not" in base:
        contracted = base.replace("will not", "won't").replace("can not", "can't")
        contracted = contracted.replace(" not", "n't")
        forms.add(contracted)
    forms |= {f.replace("'", "’") for f in forms}
    return sorted(forms)


@dataclass(frozen=True, slots=True)
class _Trigger:
    start: int
    end: int
    status: str
    direction: str  # "pre" or "post"


class ContextDetector:
    """Assigns a status and an experiencer to token ranges of a Doc."""

    def __init__(self, vocab: Vocab, codebook: Codebook, make_doc: Callable[[str], Doc]) -> None:
        ctx = codebook.context
        self._priority = {s: i for i, s in enumerate(ctx.priority)}
        self._window = {s: t.window for s, t in ctx.statuses.items()}
        self._crosses = {s: t.crosses_terminators for s, t in ctx.statuses.items()}
        self._next_sentence = {s: t.next_sentence for s, t in ctx.statuses.items()}
        self._terminators = frozenset(normalise(t) for t in ctx.terminators)
        self._clause_starts = frozenset(normalise(t) for t in ctx.clause_starts)
        self._question_status = ctx.question_status
        self._triggers = PhraseMatcher(vocab, attr="LOWER")
        for status, trig in ctx.statuses.items():
            for direction in ("pre", "post"):
                phrases = getattr(trig, direction)
                if phrases:
                    key = f"{status}|{direction}"
                    self._triggers.add(key, [make_doc(v) for p in phrases for v in variants(p)])
        self._pseudo = PhraseMatcher(vocab, attr="LOWER")
        self._pseudo.add("pseudo", [make_doc(v) for p in ctx.pseudo for v in variants(p)])
        self._cues = PhraseMatcher(vocab, attr="LOWER")
        cues = codebook.experiencer
        for label, phrases in (
            ("self", cues.self_),
            ("other", cues.other),
            ("general", cues.general),
        ):
            if phrases:
                self._cues.add(label, [make_doc(v) for p in phrases for v in variants(p)])

    def triggers(self, doc: Doc) -> list[_Trigger]:
        """All context triggers in ``doc`` that are not part of a pseudo-trigger."""
        pseudo = [(s, e) for _, s, e in self._pseudo(doc)]
        found = []
        for match_id, start, end in self._triggers(doc):
            if any(ps <= start and end <= pe for ps, pe in pseudo):
                continue
            status, direction = doc.vocab.strings[match_id].split("|")
            found.append(_Trigger(start, end, status, direction))
        return found

    def status(
        self,
        doc: Doc,
        start: int,
        end: int,
        sent_start: int,
        sent_end: int,
        triggers: list[_Trigger],
        exempt: frozenset[str] = frozenset(),
        next_end: int | None = None,
    ) -> tuple[str, int | None]:
        """Status of tokens ``start:end`` and the token index of the deciding trigger.

        ``triggers`` may include the next sentence's (ending at token ``next_end``): only post
        triggers of statuses with ``next_sentence`` use them.
        """
        best: tuple[int, int, str, int] | None = None
        for trig in triggers:
            if trig.status in exempt or trig.start < sent_start:
                continue
            if trig.end > sent_end and not (
                next_end is not None
                and trig.end <= next_end
                and trig.direction == "post"
                and self._next_sentence[trig.status]
            ):
                continue
            if trig.start < end and start < trig.end:
                distance = 0  # the trigger overlaps the hit ("would sell")
                between = range(0)
            elif trig.direction == "pre" and trig.end <= start:
                distance = start - trig.end
                between = range(trig.end, start)
            elif trig.direction == "post" and trig.start >= end:
                distance = trig.start - end
                between = range(end, trig.start)
            else:
                continue
            if distance > self._window[trig.status]:
                continue
            if not self._crosses[trig.status] and any(self._ends_scope(doc, i) for i in between):
                continue
            rank = (self._priority.get(trig.status, 99), distance)
            if best is None or rank < best[:2]:
                best = (rank[0], rank[1], trig.status, trig.start)
        if best is None:
            question = self._question_status
            if question and question not in exempt and _ends_with_question(doc, sent_end):
                return question, None
            return "asserted", None
        return best[2], best[3]

    def _ends_scope(self, doc: Doc, i: int) -> bool:
        """A terminator, or a comma that opens a new clause (", and he sold her")."""
        text = normalise(doc[i].text)
        if text in self._terminators:
            return True
        return (
            text == "," and i + 1 < len(doc) and normalise(doc[i + 1].text) in self._clause_starts
        )

    def cues(self, doc: Doc) -> list[tuple[str, int, int]]:
        """The experiencer cues of the whole Doc, ``(label, start, end)`` in text order.

        Pass them to :meth:`experiencer` when it is called for many hits of one Doc: the cue
        matcher then runs once per Doc instead of once per hit.
        """
        return [(doc.vocab.strings[m], s, e) for m, s, e in self._cues(doc)]

    def experiencer(
        self,
        doc: Doc,
        start: int,
        end: int,
        sent_start: int,
        sent_end: int,
        first_person: bool,
        cues: list[tuple[str, int, int]] | None = None,
    ) -> str:
        """Whose experience the hit reports: the nearest cue wins, inside the hit first.

        In a text with no first-person pronouns (a third-person case note), "she"/"her" is the
        subject of the note, which the guidelines code as ``self``. ``cues`` are those of
        :meth:`cues` for this Doc (found here when not given).
        """
        lo, hi = max(sent_start, start - 8), min(sent_end, end + 6)
        if cues is None:
            # A PhraseMatcher called on a Span returns positions in the whole Doc (unlike
            # Matcher), so they are used as they are.
            matches = [(doc.vocab.strings[m], s, e) for m, s, e in self._cues(doc[lo:hi])]
        else:
            # The same matches, in the same order, as the matcher finds in the window: the
            # Doc's matches that lie inside it (they are ordered by start).
            first = bisect.bisect_left(cues, lo, key=lambda c: c[1])
            matches = []
            for cue in cues[first:]:
                if cue[1] >= hi:
                    break
                if cue[2] <= hi:
                    matches.append(cue)
        spans = filter_spans([doc[s:e] for _, s, e in matches])
        keep = {(sp.start, sp.end) for sp in spans}
        best: tuple[int, str, int] | None = None
        for label, s, e in matches:
            if (s, e) not in keep:
                continue
            if s < end and start < e:
                distance = 0
            elif s >= end:
                distance = s - end + 1
            else:
                distance = start - e + 2  # subjects sit before the verb; objects win ties
            if best is None or distance < best[0]:
                best = (distance, label, s)
        if best is None:
            return "self"
        _, label, cue_start = best
        if label == "other" and not first_person and doc[cue_start].lower_ in _SUBJECT_OF_NOTE:
            return "self"
        return label


def _ends_with_question(doc: Doc, sent_end: int) -> bool:
    """Whether the sentence ending before token ``sent_end`` ends with a question mark
    (closing quotes, brackets and spaces skipped)."""
    i = sent_end - 1
    while i >= 0 and (doc[i].is_space or doc[i].is_quote or doc[i].is_bracket):
        i -= 1
    return i >= 0 and doc[i].text.endswith("?")


def is_first_person(doc: Doc) -> bool:
    """True when the text is narrated in the first person."""
    return any(t.lower_ in FIRST_PERSON for t in doc)
