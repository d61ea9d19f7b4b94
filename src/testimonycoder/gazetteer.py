"""The gazetteer: place names by kind (``configs/gazetteer.yaml``) and :func:`load_gazetteer`.

Attribute extraction uses it to find places (and to map a North Korean hometown to its
province); redaction uses :meth:`Gazetteer.names` to know which words are place names.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from testimonycoder.codebook import SAFE_LOADER
from testimonycoder.errors import CodebookError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Place(_Strict):
    """A place: its name, the province it lies in (for cities) and other spellings."""

    name: str = Field(min_length=1)
    province: str | None = None
    aliases: list[str] = Field(default_factory=list)


class Kind(_Strict):
    """A kind of place (``cn_province``, ``kp_city``, ...)."""

    label: str
    country: str
    suffixes: list[str] = Field(default_factory=list)
    places: list[Place | str]

    def entries(self) -> list[Place]:
        return [Place(name=p) if isinstance(p, str) else p for p in self.places]


class Gazetteer(_Strict):
    version: int = 1
    kinds: dict[str, Kind]

    def places(self, kind: str | None = None) -> list[tuple[str, Place]]:
        """``(kind, place)`` pairs, of one kind or of all kinds."""
        return [
            (k, place)
            for k, spec in self.kinds.items()
            if kind is None or k == kind
            for place in spec.entries()
        ]

    def surface_forms(self, kind: str, place: Place) -> list[str]:
        """Every written form of ``place``: name and aliases, bare and with each suffix."""
        bases = [place.name, *place.aliases]
        suffixes = self.kinds[kind].suffixes
        forms = list(bases)
        for base in bases:
            if not any(base.endswith(" " + s) for s in suffixes):
                forms.extend(f"{base} {s}" for s in suffixes)
        return forms

    def names(self, kind: str | None = None) -> list[str]:
        """All written forms of all places (of one kind), longest first (for replacement)."""
        forms = {f for k, p in self.places(kind) for f in self.surface_forms(k, p)}
        return sorted(forms, key=lambda f: (-len(f), f))


def _check(source: Path, gaz: Gazetteer) -> None:
    provinces = {
        kind: {p.name for p in spec.entries()}
        for kind, spec in gaz.kinds.items()
        if kind.endswith("_province")
    }
    for kind, spec in gaz.kinds.items():
        prefix = kind.split("_")[0]
        known = provinces.get(f"{prefix}_province", set())
        seen: set[str] = set()
        for i, place in enumerate(spec.entries()):
            if place.name in seen:
                raise CodebookError(
                    f"{source}: [kinds -> {kind} -> places -> {i}] duplicate place '{place.name}'"
                )
            seen.add(place.name)
            if place.province is not None and place.province not in known:
                raise CodebookError(
                    f"{source}: [kinds -> {kind} -> places -> {i}] province '{place.province}' "
                    f"is not a place of kind '{prefix}_province'"
                )


def load_gazetteer(path: str | Path | None = None) -> Gazetteer:
    """Load and validate a gazetteer YAML (the bundled one when ``path`` is None).

    Raises:
        CodebookError: the file is missing, not YAML or not a valid gazetteer.
    """
    from testimonycoder.resources import config_path

    source = Path(path) if path is not None else config_path("gazetteer.yaml")
    try:
        raw = source.read_text(encoding="utf-8-sig")
        data = yaml.load(raw, Loader=SAFE_LOADER)
    except FileNotFoundError:
        raise CodebookError(f"{source}: gazetteer file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CodebookError(f"{source}: cannot read the gazetteer ({exc})") from None
    except yaml.YAMLError as exc:
        raise CodebookError(f"{source}: invalid YAML ({exc}); fix the YAML syntax") from None
    if not isinstance(data, dict):
        raise CodebookError(f"{source}: a gazetteer must be a YAML mapping with 'kinds'")
    try:
        gaz = Gazetteer.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = " -> ".join(str(p) for p in err["loc"])
        raise CodebookError(f"{source}: [{loc}] {err['msg']}") from None
    _check(source, gaz)
    return gaz
