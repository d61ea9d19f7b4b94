"""Turn a REFI-QDA codebook (``.qdc``, or a ``.qdpx``'s codebook) into a codebook YAML skeleton.

The skeleton holds the codes: ids, names, colours, parents, definitions and (when the description
was written by ``codebook export``) include/exclude lists. Rules are left empty for the user to
write. ``context``, ``experiencer`` and ``turns`` are copied from the bundled default codebook so
the skeleton validates and codes statuses from the start.

Ids: the ``[testimonycoder:<id>]`` marker of the description when present, else the name as
``lower_snake_case`` (``Parent/Child`` becomes ``parent.child``). The codebook format has one level
of sub-codes, so a code nested deeper becomes a sub-code of its top-level ancestor.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from testimonycoder.codebook import parse_codebook
from testimonycoder.errors import CodebookError, InputError
from testimonycoder.io.atomic import write_text_atomic
from testimonycoder.io.code_map import slug
from testimonycoder.io.refi_common import local, parse_code_description
from testimonycoder.io.refi_import import (
    _child,
    _children,
    _find_qde,
    _open_zip,
    _read_entry,
    parse_xml,
)

_ID_PART = re.compile(r"^[a-z][a-z0-9_]*$")


def _id_part(name: str, fallback: str) -> str:
    part = slug(name)
    if not _ID_PART.match(part):
        part = f"code_{part}" if part else fallback
    return part


def _read_codes_element(path: Path) -> Any:
    if path.suffix.lower() == ".qdpx":
        zf = _open_zip(path)
        with zf:
            root = parse_xml(_read_entry(zf, _find_qde(zf, path), path), where=str(path))
        book = _child(root, "CodeBook")
    else:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
        book = parse_xml(data, where=str(path))
        if local(book.tag) != "CodeBook":
            raise InputError(
                f"{path}: not a REFI-QDA codebook (root element "
                f"'{local(book.tag)}', expected 'CodeBook')"
            )
    codes = _child(book, "Codes") if book is not None else None
    if codes is None or _child(codes, "Code") is None:
        raise InputError(f"{path}: the codebook holds no codes")
    return codes


def codebook_skeleton(path: Path, *, name: str | None = None) -> dict[str, Any]:
    """The codebook YAML data (a dict) for the REFI codebook in ``path`` (.qdc or .qdpx)."""
    from testimonycoder.codebook import load_codebook

    codes_el = _read_codes_element(path)
    default = load_codebook().model_dump(by_alias=True, exclude_defaults=True)
    codes: list[dict[str, Any]] = []
    used: set[str] = set()

    def unique(code_id: str) -> str:
        out, n = code_id, 2
        while out in used:
            out, n = f"{code_id}_{n}", n + 1
        used.add(out)
        return out

    def walk(el: Any, top: str | None, depth: int) -> None:
        for i, code in enumerate(_children(el, "Code")):
            desc = _child(code, "Description")
            info = parse_code_description(desc.text or "" if desc is not None else "")
            name_ = code.get("name") or f"code {i + 1}"
            marker = info["id"] if isinstance(info["id"], str) else None
            if marker and (top is None) == ("." not in marker) and marker not in used:
                code_id = marker
                used.add(code_id)
            elif top is None:
                code_id = unique(_id_part(name_, f"code_{i + 1}"))
            else:
                code_id = unique(f"{top}.{_id_part(name_, f'sub_{i + 1}')}")
            entry: dict[str, Any] = {"id": code_id, "name": name_}
            if top is not None:
                entry["parent"] = top
            colour = code.get("color") or ""
            if re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
                entry["colour"] = colour.lower()
            elif re.fullmatch(r"#[0-9a-fA-F]{3}", colour):
                entry["colour"] = "#" + "".join(c * 2 for c in colour[1:].lower())
            entry["definition"] = str(info["definition"]) or f"TODO: define {name_}."
            for key in ("include", "exclude"):
                if info[key]:
                    entry[key] = info[key]
            entry["rules"] = []
            codes.append(entry)
            walk(code, top or code_id, depth + 1)

    walk(codes_el, None, 0)
    data: dict[str, Any] = {
        "name": name or slug(path.stem).replace("_", "-") or "imported",
        "version": "0.1",
        "description": f"Imported from {path.name}; add rules to each code.",
        "codes": codes,
        "context": default["context"],
    }
    for key in ("experiencer", "turns"):
        if key in default:
            data[key] = default[key]
    return data


_HEADER = """\
# Codebook skeleton imported from {source} by `testimonycoder codebook import`.
# Codes, names, colours and definitions come from the REFI-QDA codebook; every code's `rules`
# list is empty: add spaCy token patterns or phrase lists (see docs/annotation-guidelines.md).
# `context`, `experiencer` and `turns` are copied from the bundled default codebook.
"""


def import_codebook(src: Path, out: Path, *, name: str | None = None, force: bool = False) -> int:
    """Write the YAML skeleton of the REFI codebook ``src`` to ``out``; return the code count.

    Raises:
        InputError: ``src`` is not a readable REFI codebook or project.
        CodebookError: the skeleton does not validate (a bug: please report it).
        OutputError: ``out`` cannot be written or exists without ``force``.
    """
    data = codebook_skeleton(src, name=name)
    try:
        parse_codebook(data, source=out)
    except CodebookError as exc:
        raise CodebookError(f"{src}: the imported codebook is not valid: {exc}") from None
    text = _HEADER.format(source=src.name) + yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True, width=100
    )
    write_text_atomic(out, text, force=force, shared=True)
    return len(data["codes"])
