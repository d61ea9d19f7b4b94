"""Status and experiencer of each piece of evidence, in the style of NegEx/ConText.

Triggers, pseudo-triggers and terminators are read from the codebook. A *pre* trigger opens a
scope forward and a *post* trigger a scope backward. A scope stays inside the sentence (or speaker
turn), and ends at a terminator ("but", "however", ";") or after the trigger's window of tokens.
Some statuses cross terminators: in "he wanted me to marry his cousin, but I refused", the refusal
comes after "but". When several triggers reach a hit, the codebook's priority order decides
(negated before refused before attempted ...), then the nearest trigger. Triggers are matched on
lower case; each trigger written with "not" is also matched in its contracted forms ("did not"
also matches "didn't" and "didn’t").

Counterfactuals ("If I had gone with the woman who offered me a job", "Had she accepted the
offer", "I would have been sold") are found from the shape of the verb group rather than from a
phrase list, since any subject may stand between "if" and "had": see :meth:`ContextDetector.
counterfactuals`. Their scope is ``hypothetical`` even for rules exempt from that status.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass

import numpy
from spacy.attrs import LOWER
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Token
from spacy.util import filter_spans
from spacy.vocab import Vocab

from testimonycoder.codebook import Codebook, Counterfactual

FIRST_PERSON = frozenset({"i", "me", "my", "myself", "we", "us", "our"})
_SUBJECT_OF_NOTE = frozenset({"she", "her", "herself"})
# A participle is told from other words after "have" by its lookup lemma (sold -> sell, been ->
# be); there is no tagger. These have a lemma of their own but are no participles ("would have
# better pay", "would have children"), and those are participles spelt like their base form.
_NOT_PARTICIPLES = frozenset(
    {"better", "best", "worse", "worst", "more", "most", "less", "least", "children", "men"}
    | {"women", "people", "feet", "teeth", "its", "hundred"}
)
_BARE_PARTICIPLES = frozenset(
    {"put", "cut", "let", "hit", "set", "shut", "become", "come", "run", "hurt", "quit", "beat"}
)
# Object pronouns between a reporting verb and "if" ("asked me if I had ...").
_OBJECTS = frozenset({"me", "her", "him", "us", "them", "you"})


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
    # A counterfactual scope: applies to rules exempt from its status, with its own window.
    counterfactual: bool = False
    # A phrase trigger ("instead of"): a comma ends its scope.
    phrase: bool = False


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
        self._phrase_triggers = frozenset(normalise(t) for t in ctx.phrase_triggers)
        self._question_status = ctx.question_status
        self._condition_words = frozenset(normalise(w) for w in ctx.condition_words)
        self._condition_statuses = frozenset(ctx.condition_statuses)
        self._counterfactual = _CounterfactualFinder(vocab, ctx.counterfactual)
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
            if (
                direction == "post"
                and status in self._condition_statuses
                and self._in_condition(doc, start)
            ):
                continue
            phrase = normalise(doc[start:end].text) in self._phrase_triggers
            found.append(_Trigger(start, end, status, direction, phrase=phrase))
        unreal, reversed_ = self._counterfactual(doc, self._ends_scope)
        if reversed_:
            # "If they had not bought me, ..." says that they did: neither its "if" nor its
            # negation makes the event unreal.
            found = [
                t
                for t in found
                if t.status not in ("negated", "hypothetical")
                or not any(s <= t.start < e for s, e in reversed_)
            ]
        return found + unreal

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
            if (trig.status in exempt and not trig.counterfactual) or trig.start < sent_start:
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
            if trig.counterfactual:
                window, crosses = self._counterfactual.window, False
            else:
                window, crosses = self._window[trig.status], self._crosses[trig.status]
            if distance > window:
                continue
            if not crosses and any(self._ends_scope(doc, i) for i in between):
                continue
            if trig.phrase and any(doc[i].text == "," for i in between):
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

    def _in_condition(self, doc: Doc, start: int) -> bool:
        """Whether the trigger at ``start`` opens inside a condition: a condition word at most
        four tokens before it, with no punctuation between ("if I did not go", "if she really
        did not go", not "if he came, I did not go" or "if she complained - never did")."""
        for i in range(start - 1, max(start - 5, -1), -1):
            if doc[i].is_punct or self._ends_scope(doc, i):
                return False
            if normalise(doc[i].text) in self._condition_words:
                return True
        return False

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


class _CounterfactualFinder:
    """The counterfactual cues of a Doc (see :class:`testimonycoder.codebook.Counterfactual`)."""

    def __init__(self, vocab: Vocab, config: Counterfactual | None) -> None:
        cf = config or Counterfactual()
        self.window = cf.window
        self._conditional = frozenset(normalise(w) for w in cf.conditional)
        self._perfect = frozenset(normalise(w) for w in cf.perfect)
        self._modal = frozenset(normalise(w) for w in cf.modal)
        self._have = frozenset(normalise(w) for w in cf.have)
        self._subjects = frozenset(normalise(w) for w in cf.subjects)
        self._negation = frozenset(normalise(w) for w in cf.negation)
        self._skippable = frozenset(normalise(w) for w in cf.adverbs) | self._negation
        self._factive = frozenset(normalise(w) for w in cf.factive)
        self._reported = frozenset(normalise(w) for w in cf.reported)
        # Only these words can open a counterfactual: the Doc is scanned for them as an array.
        anchors = self._conditional | self._perfect | self._modal
        for form in list(anchors):
            anchors |= {form.replace("'", "’")}
        self._anchors = numpy.array(sorted(vocab.strings.add(w) for w in anchors), dtype="uint64")

    def __call__(
        self, doc: Doc, ends_scope: Callable[[Doc, int], bool]
    ) -> tuple[list[_Trigger], list[tuple[int, int]]]:
        """The Doc's counterfactual triggers, and the token ranges of negated counterfactual
        conditions ("if they had not bought me"), whose negation asserts the event.
        ``ends_scope(doc, i)`` tells clause ends."""
        if not len(self._anchors) or not len(doc):
            return [], []
        lowers = doc.to_array([LOWER]).reshape(-1)
        found = []
        reversed_: list[tuple[int, int]] = []
        for i in numpy.flatnonzero(numpy.isin(lowers, self._anchors)).tolist():
            end = self._opens(doc, int(i), ends_scope)
            if end is not None:
                found.append(_Trigger(int(i), end, "hypothetical", "pre", counterfactual=True))
            elif normalise(doc[i].text) in self._conditional:
                end = self._negated_condition_end(doc, int(i), ends_scope)
                if end is not None:
                    reversed_.append((int(i), end))
        return found, reversed_

    def _negated_condition_end(
        self, doc: Doc, i: int, ends_scope: Callable[[Doc, int], bool]
    ) -> int | None:
        """End of "if" + subject + "had not" + participle (its negation), or None."""
        j = self._condition_perfect(doc, i, ends_scope)
        if j is None:
            return None
        k = self._skip(doc, j + 1)
        if k is None or k >= len(doc) or not self._negated(doc, j + 1, k):
            return None
        return k if _is_participle(doc[k]) else None

    def _opens(self, doc: Doc, i: int, ends_scope: Callable[[Doc, int], bool]) -> int | None:
        """End of the counterfactual cue that starts at token ``i``, or None."""
        word = normalise(doc[i].text)
        end = None
        if word in self._conditional:
            end = self._conditional_end(doc, i, ends_scope)
        if end is None and word in self._perfect:
            end = self._inverted_end(doc, i)
        if end is None and word in self._modal:
            end = self._modal_end(doc, i)
        return end

    def _conditional_end(
        self, doc: Doc, i: int, ends_scope: Callable[[Doc, int], bool]
    ) -> int | None:
        """ "if" + subject + "had" + participle, inside the conditional clause."""
        j = self._condition_perfect(doc, i, ends_scope)
        return j + 1 if j is not None and self._unreal(doc, j + 1) else None

    def _condition_perfect(
        self, doc: Doc, i: int, ends_scope: Callable[[Doc, int], bool]
    ) -> int | None:
        """The "had" of the conditional clause that "if" at token ``i`` opens, or None (no
        "had" before the clause ends, or the "if" follows a reporting verb)."""
        if self._after_reported(doc, i):
            return None
        for j in range(i + 1, min(len(doc), i + 9)):
            tok = doc[j]
            if tok.is_sent_start or tok.text == "," or ends_scope(doc, j):
                return None
            if normalise(tok.text) in self._perfect:
                return j
        return None

    def _inverted_end(self, doc: Doc, i: int) -> int | None:
        """ "Had she accepted the offer, ..." at the start of a clause."""
        if i + 1 >= len(doc) or not self._clause_start(doc, i):
            return None
        if normalise(doc[i + 1].text) in self._subjects and self._unreal(doc, i + 2):
            return i + 2
        return None

    def _modal_end(self, doc: Doc, i: int) -> int | None:
        """ "would have" + participle: "I would have been sold"."""
        j = self._skip(doc, i + 1)
        if j is None or normalise(doc[j].text) not in self._have or self._negated(doc, i + 1, j):
            return None
        return j + 1 if self._unreal(doc, j + 1) else None

    def _unreal(self, doc: Doc, j: int) -> bool:
        """Whether a positive, non-factive participle follows from token ``j`` (adverbs skipped)."""
        k = self._skip(doc, j)
        if k is None or k >= len(doc) or self._negated(doc, j, k):
            return False
        return _is_participle(doc[k]) and normalise(doc[k].text) not in self._factive

    def _skip(self, doc: Doc, j: int) -> int | None:
        """The first token from ``j`` that is not an adverb or a negation of the verb group."""
        for k in range(j, min(len(doc), j + 4)):
            if normalise(doc[k].text) not in self._skippable:
                return k
        return None

    def _negated(self, doc: Doc, start: int, end: int) -> bool:
        return any(normalise(doc[k].text) in self._negation for k in range(start, end))

    def _after_reported(self, doc: Doc, i: int) -> bool:
        """Whether "if" means "whether" here: after a reporting verb ("asked (me) if")."""
        p = i - 1
        if p >= 0 and doc[p].lower_ in _OBJECTS:
            p -= 1
        return p >= 0 and doc[p].lemma_.lower() in self._reported

    def _clause_start(self, doc: Doc, i: int) -> bool:
        if i == 0 or doc[i].is_sent_start:
            return True
        prev = doc[i - 1]
        return prev.is_punct or normalise(prev.text) in {"and", "or", "but"}


def _is_participle(token: Token) -> bool:
    """Whether ``token`` reads as a past participle (see ``_NOT_PARTICIPLES``)."""
    lower = token.lower_
    if not token.is_alpha or lower in _NOT_PARTICIPLES:
        return False
    if lower in _BARE_PARTICIPLES or lower.endswith("ed"):
        return True
    return token.lemma_.lower() != lower and not lower.endswith("s")


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
