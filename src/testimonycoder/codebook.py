"""The codebook: pydantic models of ``configs/codebook.yaml`` and :func:`load_codebook`.

A codebook holds the codes (with definitions, include/exclude criteria, examples, colours and an
optional parent for sub-codes), the rules that find evidence for each code (spaCy ``Matcher`` token
patterns and phrase lists), the context triggers that decide the status of each piece of evidence,
and the cues for the experiencer and for interview turns. Everything is validated strictly: unknown
keys, invalid spaCy patterns, dangling parents and duplicate ids are errors that name their place.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from testimonycoder.errors import CodebookError

# libyaml's safe loader where PyYAML was built with it: the same data, and reading the default
# codebook takes about 0.03 s instead of 0.24 s (part of every command's start-up).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Status = Literal[
    "asserted", "negated", "refused", "threatened", "attempted", "hypothetical", "hearsay"
]
STATUSES: tuple[str, ...] = (
    "asserted",
    "negated",
    "refused",
    "threatened",
    "attempted",
    "hypothetical",
    "hearsay",
)
Experiencer = Literal["self", "other", "general"]
EXPERIENCERS: tuple[str, ...] = ("self", "other", "general")
MatchAttr = Literal["LOWER", "LEMMA", "ORTH", "NORM"]

# Token-pattern keys spaCy's Matcher understands (upper-cased); anything else is a typo.
_TOKEN_KEYS = {
    "ORTH",
    "TEXT",
    "LOWER",
    "LEMMA",
    "NORM",
    "POS",
    "TAG",
    "MORPH",
    "DEP",
    "SHAPE",
    "ENT_TYPE",
    "ENT_IOB",
    "ENT_ID",
    "ENT_KB_ID",
    "LENGTH",
    "OP",
    "SENT_START",
    "IS_SENT_START",
    "SPACY",
    "IS_ALPHA",
    "IS_ASCII",
    "IS_DIGIT",
    "IS_LOWER",
    "IS_UPPER",
    "IS_TITLE",
    "IS_PUNCT",
    "IS_SPACE",
    "IS_STOP",
    "IS_BRACKET",
    "IS_QUOTE",
    "IS_LEFT_PUNCT",
    "IS_RIGHT_PUNCT",
    "IS_CURRENCY",
    "LIKE_NUM",
    "LIKE_EMAIL",
    "LIKE_URL",
    "PREFIX",
    "SUFFIX",
    "_",
}


def _check_token_keys(value: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    for i, token in enumerate(value or []):
        if not isinstance(token, dict):
            raise ValueError(f"token {i} must be a mapping like {{LOWER: sold}}")
        for key in token:
            if str(key).upper() not in _TOKEN_KEYS:
                raise ValueError(f"token {i}: unknown key '{key}' (spaCy token attribute)")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rule(_Strict):
    """One rule: a spaCy token pattern or a phrase list, producing evidence for a code.

    ``exempt`` lists context statuses that do not apply to this rule (a threat of arrest *is*
    coercion, so coercion's threat rule is exempt from ``threatened``). ``veto`` lists lower-cased
    words or phrases that cancel a hit in its sentence (``sold fish``); with ``veto_window``,
    only within that many tokens of the hit, for vetoes that name the thing sold rather than the
    setting (in a long run-on sentence, "the house" may belong to another event).
    """

    id: str
    pattern: list[dict[str, Any]] | None = None
    terms: list[str] | None = None
    attr: MatchAttr = "LOWER"
    exempt: list[Status] = Field(default_factory=list)
    veto: list[str] = Field(default_factory=list)
    veto_window: int | None = Field(default=None, ge=0)

    @field_validator("pattern")
    @classmethod
    def _known_token_keys(cls, value: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
        return _check_token_keys(value)


class Examples(_Strict):
    positive: list[str] = Field(default_factory=list)
    negative: list[str] = Field(default_factory=list)


class Code(_Strict):
    """A code or sub-code of the codebook."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$")
    name: str
    definition: str
    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    examples: Examples = Field(default_factory=Examples)
    parent: str | None = None
    colour: str = Field(default="#888888", pattern=r"^#[0-9a-fA-F]{6}$")
    rules: list[Rule] = Field(default_factory=list)
    # Sub-codes: cues that, near an asserted span of the parent, select this sub-code.
    # ``cue_scope`` "sentence" looks in the hit's sentence and the one before; "agent" looks only
    # where the agent of the parent event is written: before the hit, or after "by".
    cues: list[Rule] = Field(default_factory=list)
    cue_scope: Literal["sentence", "agent"] = "sentence"


class Trigger(_Strict):
    """Context triggers of one status, in the style of NegEx/ConText.

    ``pre`` triggers open a scope forward, ``post`` triggers backward. A scope ends at the clause
    or sentence boundary, at a terminator, or after ``window`` tokens. ``crosses_terminators`` lets
    post triggers such as "but I refused" reach back over "but"; ``next_sentence`` lets post
    triggers in the following sentence reach back over the sentence end.
    """

    pre: list[str] = Field(default_factory=list)
    post: list[str] = Field(default_factory=list)
    window: int = Field(default=8, ge=1, le=60)
    crosses_terminators: bool = False
    # Post triggers at the start of the next sentence also reach back (still within ``window``
    # tokens): "A woman offered me a job in Yanji. I said no."
    next_sentence: bool = False


class Counterfactual(_Strict):
    """Cues of an unreal past, whose scope is ``hypothetical`` for every rule.

    Three shapes open a forward scope of ``window`` tokens: a ``conditional`` whose clause has
    ``perfect`` + participle ("If I had gone with the woman who offered me a job"), ``perfect`` +
    one of ``subjects`` at a clause start ("Had she accepted the offer"), and ``modal`` + ``have``
    + participle ("I would have been sold"). Rules exempt from ``hypothetical`` are not exempt
    from these: an offer she did not take is no coercion. A counterfactual that is negated
    (``negation`` before the participle) or whose participle is ``factive`` says that the event
    happened ("if I had known it was a trick", "I would never have gone with her") and opens no
    scope; nor does a conditional after a ``reported`` verb (lemmas: "asked if I had met ...").
    A negated condition ("if they had not bought me, ...") also cancels its own "if" and negation
    triggers: it says that they did.
    ``adverbs`` may stand between the words ("would probably have been").
    """

    conditional: list[str] = Field(default_factory=list)
    perfect: list[str] = Field(default_factory=list)
    modal: list[str] = Field(default_factory=list)
    have: list[str] = Field(default_factory=list)
    subjects: list[str] = Field(default_factory=list)
    negation: list[str] = Field(default_factory=list)
    adverbs: list[str] = Field(default_factory=list)
    factive: list[str] = Field(default_factory=list)
    reported: list[str] = Field(default_factory=list)
    window: int = Field(default=14, ge=1, le=60)


class Context(_Strict):
    statuses: dict[str, Trigger]
    # None: no counterfactual scopes.
    counterfactual: Counterfactual | None = None
    pseudo: list[str] = Field(default_factory=list)
    terminators: list[str] = Field(default_factory=list)
    # Words that open a new clause right after a comma (", and he sold her"): the comma before
    # them ends a scope like a terminator does.
    clause_starts: list[str] = Field(default_factory=list)
    # Triggers that govern only the phrase after them ("instead of being sent back", "unlike my
    # sister"): any comma ends their scope, so "instead of transferring her, the official sold her"
    # asserts the sale.
    phrase_triggers: list[str] = Field(default_factory=list)
    # Status of a hit in a sentence that ends with "?" and has no trigger: a question asserts
    # nothing ("Sold? I think so."). None keeps such hits asserted.
    question_status: str | None = None
    # Words that open a condition ("if", "unless"). A post trigger of one of
    # ``condition_statuses`` inside such a clause states a condition, not what happened: in "he
    # would report me if I did not go" the refusal cue does not reach back to the offer.
    condition_words: list[str] = Field(default_factory=list)
    condition_statuses: list[str] = Field(default_factory=list)
    priority: list[str] = Field(default_factory=lambda: list(STATUSES[1:]))

    @field_validator("statuses", "condition_statuses")
    @classmethod
    def _known_statuses(cls, value: Any) -> Any:
        """Keys of ``statuses`` and items of ``condition_statuses``: statuses other than
        asserted."""
        for key in value:
            if key not in STATUSES[1:]:
                raise ValueError(f"unknown status '{key}' (use one of {', '.join(STATUSES[1:])})")
        return value

    @field_validator("question_status")
    @classmethod
    def _known_question_status(cls, value: str | None) -> str | None:
        if value is not None and value not in STATUSES:
            raise ValueError(f"unknown status '{value}' (use one of {', '.join(STATUSES)})")
        return value


class ExperiencerCues(_Strict):
    other: list[str] = Field(default_factory=list)
    general: list[str] = Field(default_factory=list)
    self_: list[str] = Field(default_factory=list, alias="self")


class Turns(_Strict):
    """Regular expressions (matched at line start) for interviewer and respondent turns."""

    question: list[str] = Field(default_factory=list)
    answer: list[str] = Field(default_factory=list)


AttributeType = Literal["price", "age", "times_sold", "duration"]
Qualifier = Literal["about", "more than", "less than", "at least", "at most"]


class Currency(_Strict):
    """A currency: its id (``CNY``) and the symbols and words that name it (lower case)."""

    id: str
    terms: list[str] = Field(min_length=1)


class Extractor(_Strict):
    """One attribute pattern: a spaCy token pattern that finds an attribute of ``type``.

    Numbers in a pattern are written ``{_: {tc_num: true}, OP: "+"}`` (digits, "24,000",
    "seven thousand", "twenty-two") and currencies ``{_: {tc_currency: true}, OP: "+"}``. The
    value is read from the matched number, or is the fixed ``value`` ("sold again" is at least 2).
    """

    id: str
    type: AttributeType
    pattern: list[dict[str, Any]]
    value: int | None = None
    qualifier: Qualifier | None = None
    # Matched texts (lower case) that are not attributes: "one day" in "One day I left".
    exclude: list[str] = Field(default_factory=list)

    @field_validator("pattern")
    @classmethod
    def _known_token_keys(cls, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        _check_token_keys(value)
        return value


class Attributes(_Strict):
    """Attribute extractors: prices, ages, times sold, durations, and places from a gazetteer.

    ``gazetteer`` is a path relative to the codebook's folder (None: no places).
    ``inherit_status`` lists the types whose status follows the code evidence they describe when
    their own context is plain (a price in "they would sell me ... for ¥5000" is threatened too).
    ``prefer_codes`` lists, per type, the codes that win over nearer ones in the same sentence
    (a price goes with the forced marriage or brothel it paid for rather than with the sale).
    """

    gazetteer: str | None = "gazetteer.yaml"
    code_window: int = Field(default=30, ge=0, le=200)
    inherit_status: list[AttributeType] = Field(default_factory=list)
    prefer_codes: dict[AttributeType, list[str]] = Field(default_factory=dict)
    currencies: list[Currency] = Field(default_factory=list)
    qualifiers: dict[Qualifier, list[str]] = Field(default_factory=dict)
    units: dict[str, list[str]] = Field(default_factory=dict)
    rates: list[str] = Field(default_factory=list)
    other_persons: list[str] = Field(default_factory=list)
    extractors: list[Extractor] = Field(default_factory=list)


class Codebook(_Strict):
    name: str
    version: str
    description: str = ""
    codes: list[Code]
    context: Context
    experiencer: ExperiencerCues = Field(default_factory=ExperiencerCues)
    turns: Turns = Field(default_factory=Turns)
    attributes: Attributes = Field(default_factory=Attributes)

    @property
    def top_level(self) -> list[str]:
        """Ids of the top-level codes, in codebook order."""
        return [c.id for c in self.codes if c.parent is None]

    @property
    def subcodes(self) -> list[str]:
        return [c.id for c in self.codes if c.parent is not None]

    def code(self, code_id: str) -> Code:
        for c in self.codes:
            if c.id == code_id:
                return c
        raise KeyError(code_id)

    @property
    def hash(self) -> str:
        """Content hash of the codebook (independent of YAML formatting and comments).

        Fields left at their defaults are not part of it, so a codebook that does not use an
        option added in a later version (such as ``condition_words``) keeps its hash, and the
        models trained under it keep working."""
        content = self.model_dump(by_alias=True, exclude_defaults=True)
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def _loc(parts: tuple[int | str, ...]) -> str:
    return "[" + " -> ".join(str(p) for p in parts) + "]"


def _format_validation_error(path: Path, exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = tuple(err["loc"])
    if err["type"] == "extra_forbidden":
        return f"{path}: {_loc(loc[:-1])} unknown key '{loc[-1]}'"
    if err["type"] == "missing":
        return f"{path}: {_loc(loc[:-1])} missing key '{loc[-1]}'"
    msg = err["msg"].removeprefix("Value error, ")
    more = f" (and {len(exc.errors()) - 1} more problems)" if len(exc.errors()) > 1 else ""
    return f"{path}: {_loc(loc)} {msg}{more}"


def _check_consistency(path: Path, book: Codebook) -> None:
    seen: set[str] = set()
    rule_ids: set[str] = set()
    for i, code in enumerate(book.codes):
        if code.id in seen:
            raise CodebookError(f"{path}: [codes -> {i}] duplicate code id '{code.id}'")
        seen.add(code.id)
    for i, code in enumerate(book.codes):
        if code.parent is not None and code.parent not in seen:
            raise CodebookError(
                f"{path}: [codes -> {i} -> parent] code '{code.id}' names parent "
                f"'{code.parent}', which is not a code in this codebook"
            )
        for kind in ("rules", "cues"):
            for j, rule in enumerate(getattr(code, kind)):
                where = f"{path}: [codes -> {i} -> {kind} -> {j}]"
                if (rule.pattern is None) == (rule.terms is None):
                    raise CodebookError(f"{where} give exactly one of 'pattern' or 'terms'")
                if rule.terms is not None and rule.attr == "LEMMA":
                    raise CodebookError(f"{where} phrase lists ('terms') match LOWER, ORTH or NORM")
                if rule.id in rule_ids:
                    raise CodebookError(f"{where} duplicate rule id '{rule.id}'")
                rule_ids.add(rule.id)
    for t, codes in book.attributes.prefer_codes.items():
        for c in codes:
            if c not in seen:
                raise CodebookError(
                    f"{path}: [attributes -> prefer_codes -> {t}] '{c}' is not a code"
                )
    ids: set[str] = set()
    for i, ex in enumerate(book.attributes.extractors):
        if ex.id in ids:
            raise CodebookError(
                f"{path}: [attributes -> extractors -> {i}] duplicate extractor id '{ex.id}'"
            )
        ids.add(ex.id)
    _check_spacy_patterns(path, book)


def _check_spacy_patterns(path: Path, book: Codebook) -> None:
    """Let spaCy itself validate every token pattern, so a bad pattern fails at load time."""
    from spacy.errors import MatchPatternError
    from spacy.matcher import Matcher
    from spacy.vocab import Vocab

    matcher = Matcher(Vocab(), validate=True)
    for i, code in enumerate(book.codes):
        for kind in ("rules", "cues"):
            for j, rule in enumerate(getattr(code, kind)):
                if rule.pattern is None:
                    continue
                try:
                    matcher.add(rule.id, [rule.pattern])
                except (MatchPatternError, ValueError, TypeError) as exc:
                    detail = " ".join(str(exc).split())
                    if "valid string" in detail:
                        detail += " (YAML reads unquoted on/off/yes/no as true/false: quote them)"
                    raise CodebookError(
                        f"{path}: [codes -> {i} -> {kind} -> {j} -> pattern] invalid spaCy "
                        f"pattern: {detail[:300]}"
                    ) from None
    for i, ex in enumerate(book.attributes.extractors):
        try:
            matcher.add(ex.id, [ex.pattern])
        except (MatchPatternError, ValueError, TypeError) as exc:
            detail = " ".join(str(exc).split())
            raise CodebookError(
                f"{path}: [attributes -> extractors -> {i} -> pattern] invalid spaCy "
                f"pattern: {detail[:300]}"
            ) from None


def parse_codebook(data: Any, *, source: Path) -> Codebook:
    """Validate already-parsed YAML data as a codebook; ``source`` is used in messages."""
    if not isinstance(data, dict):
        raise CodebookError(
            f"{source}: a codebook must be a YAML mapping with 'codes' and 'context'"
        )
    try:
        book = Codebook.model_validate(data)
    except ValidationError as exc:
        raise CodebookError(_format_validation_error(source, exc)) from None
    _check_consistency(source, book)
    return book


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Load and validate a codebook YAML (the bundled default when ``path`` is None).

    Raises:
        CodebookError: the file is missing, not YAML, or not a valid codebook; the message names
            the place, e.g. ``[codes -> 3 -> rules -> 0] unknown key 'lema'``.
    """
    from testimonycoder.resources import default_codebook_path

    source = Path(path) if path is not None else default_codebook_path()
    try:
        raw = source.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CodebookError(f"{source}: codebook file not found") from None
    except (UnicodeDecodeError, IsADirectoryError, PermissionError) as exc:
        raise CodebookError(f"{source}: cannot read the codebook as UTF-8 text ({exc})") from None
    try:
        data = yaml.load(raw, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise CodebookError(f"{source}:{where} {problem}; fix the YAML syntax") from None
    return parse_codebook(data, source=source)
