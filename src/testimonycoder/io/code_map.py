"""Map the code names of other tools to codebook ids.

A label found in an imported project or annotation file is resolved in this order:

1. the user's ``--code-map`` YAML (keys: the label, or for nested REFI codes the path
   ``Parent/Child``; values: a codebook id, or ``null`` to ignore that code on purpose);
2. an id marker ``[testimonycoder:<id>]`` in the code's description (what our exports write, so a
   code renamed in NVivo still maps);
3. the label is a codebook id (``sale.broker``);
4. the label is a code's name, case-insensitively (``Sale by broker or sub-broker``), preferring a
   sub-code of the label's parent when names repeat;
5. the label, lower-cased with spaces as ``_``, is an id, or a sub-code id under its parent.

Labels that none of these resolve are collected and reported together in one
:class:`CodebookError`, never dropped silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from testimonycoder.codebook import Codebook
from testimonycoder.errors import CodebookError

_SLUG = re.compile(r"[^a-z0-9]+")


def slug(name: str) -> str:
    """``"Sale by broker"`` -> ``"sale_by_broker"`` (a valid code id part when it starts a-z)."""
    return _SLUG.sub("_", name.casefold()).strip("_")


def load_code_map(path: Path | None) -> dict[str, str | None]:
    """Read a ``--code-map`` YAML: ``{tool label or Parent/Child path: codebook id or null}``."""
    if path is None:
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise CodebookError(f"{path}: code map file not found") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CodebookError(f"{path}: not a readable YAML code map ({exc})") from None
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(
        isinstance(v, str) or v is None for v in data.values()
    ):
        raise CodebookError(
            f"{path}: a code map is a YAML mapping of 'label in the other tool: codebook id' "
            "(or null to ignore a code)"
        )
    return {str(k): v for k, v in data.items()}


@dataclass(frozen=True)
class Label:
    """A code as another tool names it: its label, parent path and optional id marker."""

    name: str
    path: str = ""  # "Parent/Child" for nested REFI codes, else the name
    parent: Label | None = None
    marker: str | None = None

    @property
    def key(self) -> str:
        return self.path or self.name


class CodeResolver:
    """Resolves labels to codebook ids; collects the ones it cannot resolve."""

    def __init__(self, codebook: Codebook, code_map: dict[str, str | None] | None = None) -> None:
        self.codebook = codebook
        self.code_map = dict(code_map or {})
        self._ids = {c.id for c in codebook.codes}
        for key, value in self.code_map.items():
            if value is not None and value not in self._ids:
                raise CodebookError(
                    f"code map: '{key}' maps to '{value}', which is not a code of codebook "
                    f"'{codebook.name}' (codes: {', '.join(sorted(self._ids))})"
                )
        self.unmapped: dict[str, str] = {}  # label key -> where it was used
        self._cache: dict[Label, str | object | None] = {}

    def resolve(self, label: Label, *, where: str = "") -> str | None:
        """The codebook id of ``label``; None if ignored by the code map or not resolvable."""
        found = self._lookup(label)
        if found is _IGNORE:
            return None
        if found is None:
            self.unmapped.setdefault(label.key, where)
            return None
        return str(found)

    def _lookup(self, label: Label) -> str | object | None:
        if label not in self._cache:
            self._cache[label] = self._resolve(label)
        return self._cache[label]

    def _resolve(self, label: Label) -> str | object | None:
        for key in (label.path, label.name):
            if key and key in self.code_map:
                value = self.code_map[key]
                return _IGNORE if value is None else value
        if label.marker in self._ids:
            return label.marker
        if label.name in self._ids:
            return label.name
        parent = self._lookup(label.parent) if label.parent is not None else None
        parent_id = parent if isinstance(parent, str) else None
        by_name = [c for c in self.codebook.codes if c.name.casefold() == label.name.casefold()]
        if len(by_name) > 1 and parent_id is not None:
            by_name = [c for c in by_name if c.parent == parent_id]
        if len(by_name) == 1:
            return by_name[0].id
        s = slug(label.name)
        for candidate in (s, f"{parent_id}.{s}" if parent_id else None):
            if candidate in self._ids:
                return candidate
        return None

    def check(self, source: str) -> None:
        """Raise one error naming every label used in ``source`` that did not resolve."""
        if not self.unmapped:
            return
        labels = sorted(self.unmapped)
        shown = "; ".join(
            f"'{k}'" + (f" (first used in {self.unmapped[k]})" if self.unmapped[k] else "")
            for k in labels[:20]
        )
        more = f" and {len(labels) - 20} more" if len(labels) > 20 else ""
        raise CodebookError(
            f"{source}: {len(labels)} code(s) do not match codebook '{self.codebook.name}': "
            f"{shown}{more}. Map them with --code-map FILE.yaml, lines like "
            f"'{labels[0]}: <codebook id>' (or 'null' to ignore a code on purpose)"
        )


_IGNORE = object()


def resolve_all(
    labels: Iterable[str],
    codebook: Codebook,
    code_map: dict[str, str | None] | None,
    *,
    source: str,
) -> dict[str, str | None]:
    """Resolve flat labels (Label Studio, doccano, corpus files) at once, or raise for unmapped."""
    resolver = CodeResolver(codebook, code_map)
    out = {label: resolver.resolve(Label(label)) for label in sorted(set(labels))}
    resolver.check(source)
    return out
