"""Redaction: replace personal data with stable placeholders such as ``[PERSON-1]``, ``[PLACE-3]``.

What is redacted:

* PERSON: names after honorifics ("Ms. Kim" -> "Ms. [PERSON-1]"), names in speaker labels at the
  start of a line ("Kim Soo-jin: ..."), and later bare mentions of a name found that way;
* PLACE: place names from ``configs/gazetteer.yaml`` (when present) and ``configs/redaction.yaml``,
  with a following "City", "County"... kept inside the placeholder;
* PHONE, EMAIL: phone numbers (7+ digits with separators or a leading +) and e-mail addresses;
* DATE: exact dates of birth (a full date after "born", "birth", "DOB");
* ID: ID-like numbers (6+ digits, or letters followed by 6+ digits), but not sums of money.

Placeholders are stable within a :class:`Redactor`: the same name gets the same placeholder in
every document of a run. Each replacement is recorded in a mapping (placeholder, kind, original,
and offsets in both texts), which is private data and is written separately from the output.
Hand-written regular expressions rather than an NER model: the tool runs offline on a blank
spaCy pipeline, and these patterns are checked by a recall test on planted identifiers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from testimonycoder.document import Document
from testimonycoder.errors import InputError

KINDS = ("PERSON", "PLACE", "PHONE", "EMAIL", "DATE", "ID")
# Meta fields that hold personal data (e.g. ``ingest`` records); other meta is kept as it is.
PERSONAL_META = ("speaker", "hometown", "name", "place", "location")

_NAME_WORD = r"[A-Z][a-zA-Z'’]*(?:-[A-Za-z][a-z'’]*)?"
_FULL_NAME = rf"{_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{0,2}}"
_HONORIFIC = re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Mdm|Madam|Dr)\.?[ \t]+(?P<name>{_FULL_NAME})")
_SPEAKER = re.compile(rf"^[ \t]*(?P<name>{_FULL_NAME})[ \t]*(?:\([^)\n]{{0,30}}\))?[ \t]*:", re.M)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]\d{2,5}){1,4}(?!\w)"
)
_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DATE = (
    rf"(?:\d{{1,2}}(?:st|nd|rd|th)?[ \t]+{_MONTHS}\.?,?[ \t]+\d{{4}}"
    rf"|{_MONTHS}\.?[ \t]+\d{{1,2}}(?:st|nd|rd|th)?,?[ \t]+\d{{4}}"
    r"|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})"
)
_BIRTH_DATE = re.compile(
    r"(?i:\b(?:born|birth(?:day)?|d\.?o\.?b\.?|date of birth)\b)"
    rf"[^.\n\d]{{0,25}}(?P<date>{_DATE})"
)
_ID = re.compile(
    r"(?<![\w¥$₩])(?:[A-Z]{1,3}-?)?\d{6,}(?:-\d+)*(?!\w)"
    r"(?![ \t]*(?i:yuan|won|rmb|usd|dollars?|euros?))"  # sums of money are not IDs
)
_CAPITALISED = re.compile(r"^[A-Z]")


@dataclass
class Replacement:
    """One redacted passage: ``start``/``end`` in the original text, ``redacted_*`` in the new."""

    placeholder: str
    kind: str
    original: str
    start: int
    end: int
    redacted_start: int = 0
    redacted_end: int = 0
    document: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "placeholder": self.placeholder,
            "kind": self.kind,
            "original": self.original,
            "start": self.start,
            "end": self.end,
            "redacted_start": self.redacted_start,
            "redacted_end": self.redacted_end,
        }
        if self.document is not None:
            out["document"] = self.document
        return out


@dataclass
class Redactor:
    """Finds personal data and replaces it with placeholders that are stable across documents.

    Args:
        places: place names to redact (from the gazetteer and ``configs/redaction.yaml``).
        roles: speaker labels that are interview roles, not names ("Interviewer").
        place_suffixes: words after a place name that belong to it ("City", "County").
    """

    places: Iterable[str] = ()
    roles: Iterable[str] = ()
    place_suffixes: Iterable[str] = ("City", "County", "Province")
    mapping: list[Replacement] = field(default_factory=list)
    _ids: dict[tuple[str, str], str] = field(default_factory=dict)
    _counts: dict[str, int] = field(default_factory=dict)
    _names: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._roles = {r.casefold() for r in self.roles}
        names = sorted({p.strip() for p in self.places if p.strip()}, key=len, reverse=True)
        suffix = "|".join(re.escape(s) for s in self.place_suffixes)
        self._place_re = (
            re.compile(
                rf"\b(?:{'|'.join(re.escape(n) for n in names)})(?:[ \t-]+(?:{suffix})\b)?\b"
            )
            if names
            else None
        )
        self._suffix_re = re.compile(rf"(?:[ \t-]+(?:{suffix}))$") if suffix else None

    @classmethod
    def default(cls) -> Redactor:
        """The bundled settings: ``configs/redaction.yaml`` plus ``configs/gazetteer.yaml``."""
        from testimonycoder.resources import config_path

        settings = _load_yaml(config_path("redaction.yaml"))
        places = list(settings.get("places", []))
        gazetteer = config_path("gazetteer.yaml")
        if gazetteer.exists():
            places.extend(_capitalised_strings(_load_yaml(gazetteer)))
        return cls(
            places=places,
            roles=settings.get("roles", []),
            place_suffixes=settings.get("place_suffixes", ["City", "County", "Province"]),
        )

    # -- finding -------------------------------------------------------------------------------

    def _find(self, text: str) -> list[tuple[int, int, str]]:
        found: list[tuple[int, int, str]] = []
        for m in _EMAIL.finditer(text):
            found.append((m.start(), m.end(), "EMAIL"))
        for m in _BIRTH_DATE.finditer(text):
            found.append((m.start("date"), m.end("date"), "DATE"))
        for m in _PHONE.finditer(text):
            digits = sum(c.isdigit() for c in m.group())
            if digits >= 7 and not re.fullmatch(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}", m.group()):
                found.append((m.start(), m.end(), "PHONE"))
        for m in _ID.finditer(text):
            found.append((m.start(), m.end(), "ID"))
        for m in _HONORIFIC.finditer(text):
            found.append(self._person(m, text))
        for m in _SPEAKER.finditer(text):
            if m.group("name").casefold() not in self._roles and not m.group("name").isupper():
                found.append(self._person(m, text))
        if self._place_re is not None:
            for m in self._place_re.finditer(text):
                found.append((m.start(), m.end(), "PLACE"))
        if self._names:
            # Later bare mentions of a name already seen after an honorific or in a label.
            names = "|".join(re.escape(n) for n in sorted(self._names, key=len, reverse=True))
            for m in re.finditer(rf"\b(?:{names})\b", text):
                found.append((m.start(), m.end(), "PERSON"))
        return _resolve_overlaps(found)

    def _person(self, m: re.Match[str], text: str) -> tuple[int, int, str]:
        start, end = m.start("name"), m.end("name")
        name = text[start:end]
        # "Ms. Kim From..." cannot happen (lower-case), but a trailing place word can: trim it.
        if self._place_re is not None:
            place = self._place_re.search(name)
            if place is not None and place.start() > 0:
                end = start + place.start()
                name = text[start:end].rstrip()
                end = start + len(name)
        self._names.add(name)
        for part in name.split():
            if len(part) > 2 and part.casefold() not in self._roles:
                self._names.add(part)
        return (start, end, "PERSON")

    # -- replacing -----------------------------------------------------------------------------

    def _placeholder(self, kind: str, original: str) -> str:
        key = " ".join(original.split()).casefold()
        if kind == "PLACE" and self._suffix_re is not None:
            key = self._suffix_re.sub("", " ".join(original.split())).casefold()
        if (kind, key) not in self._ids:
            self._counts[kind] = self._counts.get(kind, 0) + 1
            self._ids[(kind, key)] = f"[{kind}-{self._counts[kind]}]"
        return self._ids[(kind, key)]

    def redact_text(
        self, text: str, *, document: str | None = None
    ) -> tuple[str, list[dict[str, Any]]]:
        """Return the redacted text and the list of replacements made in it."""
        out: list[str] = []
        made: list[Replacement] = []
        pos = 0
        shift = 0
        for start, end, kind in self._find(text):
            original = text[start:end]
            placeholder = self._placeholder(kind, original)
            out.append(text[pos:start])
            out.append(placeholder)
            new_start = start + shift
            shift += len(placeholder) - (end - start)
            made.append(
                Replacement(
                    placeholder,
                    kind,
                    original,
                    start,
                    end,
                    new_start,
                    new_start + len(placeholder),
                    document,
                )
            )
            pos = end
        out.append(text[pos:])
        self.mapping.extend(made)
        return "".join(out), [r.to_dict() for r in made]

    def redact_document(self, document: Document) -> Document:
        """A copy of ``document`` with its text and personal meta fields redacted."""
        text, _ = self.redact_text(document.text, document=document.id)
        meta = dict(document.meta)
        for key in PERSONAL_META:
            if isinstance(meta.get(key), str):
                meta[key], _ = self.redact_text(meta[key], document=document.id)
        meta["redacted"] = True
        return replace(document, text=text, meta=meta)


def _resolve_overlaps(found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Keep the earliest, then longest, of overlapping matches."""
    kept: list[tuple[int, int, str]] = []
    last_end = -1
    for start, end, kind in sorted(found, key=lambda f: (f[0], -(f[1] - f[0]))):
        if start >= last_end and end > start:
            kept.append((start, end, kind))
            last_end = end
    return kept


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: cannot read redaction settings ({exc})") from None
    return data if isinstance(data, dict) else {"places": data or []}


def _capitalised_strings(data: Any) -> list[str]:
    """Every capitalised string in a gazetteer, whatever its layout (lists, mappings, aliases)."""
    out: list[str] = []
    if isinstance(data, str):
        if _CAPITALISED.match(data) and len(data) >= 3:
            out.append(data)
    elif isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str) and _CAPITALISED.match(key) and len(key) >= 3:
                out.append(key)
            out.extend(_capitalised_strings(value))
    elif isinstance(data, list):
        for item in data:
            out.extend(_capitalised_strings(item))
    return out
