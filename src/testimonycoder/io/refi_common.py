"""Shared pieces of the REFI-QDA (QDA-XML 1.0) export and import.

GUIDs are UUID version 5 of stable names (codebook name + code id, document id, ...), so exporting
the same input twice gives byte-identical files that diff cleanly. A code's ``Description`` holds
its definition, include and exclude lists and an id marker ``[testimonycoder:<id>]`` that lets a
code renamed in another tool still map back to the codebook.
"""

from __future__ import annotations

import re
import uuid

from testimonycoder.codebook import Code

NS_PROJECT = "urn:QDA-XML:project:1.0"
NS_CODEBOOK = "urn:QDA-XML:codebook:1.0"
# A fixed namespace for testimonycoder's uuid5 GUIDs (itself uuid5 of the project URL).
GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/testimonycoder/refi-qda")

_MARKER = re.compile(r"\[testimonycoder:([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)?)\]")
# Characters XML 1.0 cannot hold (C0 controls other than tab/LF/CR, surrogates, U+FFFE/U+FFFF).
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def make_guid(*parts: str) -> str:
    """A deterministic GUID for the thing named by ``parts``."""
    return str(uuid.uuid5(GUID_NAMESPACE, "\x1f".join(parts)))


def xml_safe(text: str) -> str:
    """``text`` with characters XML 1.0 cannot represent replaced by U+FFFD."""
    return _XML_INVALID.sub("\ufffd", text)


def code_description(code: Code) -> str:
    """The REFI ``Description`` of a code: definition, include/exclude lists and the id marker."""
    parts = [" ".join(code.definition.split())]
    if code.include:
        parts.append("Include:\n" + "\n".join(f"- {item}" for item in code.include))
    if code.exclude:
        parts.append("Exclude:\n" + "\n".join(f"- {item}" for item in code.exclude))
    parts.append(f"[testimonycoder:{code.id}]")
    return xml_safe("\n\n".join(parts))


def parse_code_description(text: str) -> dict[str, object]:
    """Split a code description back into ``definition``, ``include``, ``exclude`` and ``id``.

    Descriptions written by other tools are free text: all of it becomes the definition.
    """
    marker = _MARKER.search(text)
    body = _MARKER.sub("", text).strip()
    out: dict[str, object] = {"id": marker.group(1) if marker else None}
    definition: list[str] = []
    lists: dict[str, list[str]] = {"include": [], "exclude": []}
    current: list[str] | None = None
    for block in re.split(r"\n\s*\n", body):
        lines = [ln.strip() for ln in block.strip().splitlines() if ln.strip()]
        if not lines:
            continue
        head = lines[0].rstrip(":").casefold()
        if (
            head in lists
            and lines[0].endswith(":")
            and all(ln.startswith("- ") for ln in lines[1:])
        ):
            current = lists[head]
            current.extend(ln[2:].strip() for ln in lines[1:])
        else:
            definition.append(" ".join(lines))
    out["definition"] = "\n\n".join(definition)
    out.update(lists)
    return out


def marker_of(text: str | None) -> str | None:
    """The codebook id in a description's ``[testimonycoder:<id>]`` marker, if any."""
    match = _MARKER.search(text or "")
    return match.group(1) if match else None


def local(tag: object) -> str:
    """Element tag without its namespace (``{urn:...}Code`` -> ``Code``)."""
    name = str(tag)
    return name.rsplit("}", 1)[-1]
