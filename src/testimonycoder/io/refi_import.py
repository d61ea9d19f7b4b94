"""Read a REFI-QDA project (``.qdpx``) as texts and long-format annotations.

:func:`read_project` returns ``(texts, annotations)``: ``texts`` maps a document id (the
``TextSource`` name; repeated names get ``#2``, ``#3``...) to its text, and ``annotations`` is the
long-format DataFrame ``doc_id, coder, code, start, end, status`` used by train, evaluate and
audit. Each REFI ``User`` is a coder; each coded ``PlainTextSelection`` is a span; a ``Coding`` on
a whole ``TextSource`` is a document-level row (``start``/``end`` NA). ``status`` comes from a
``status: ...`` line of the selection's ``Description`` (what our export writes), else NA.

Real-world traps handled:

- Sources: every ``TextSource``, and the text ``Representation`` of a ``PDFSource``; pictures,
  audio and video are skipped. Texts: an inline ``PlainTextContent`` wins; else
  ``plainTextPath``: ``internal://name`` is ``sources/name`` in the zip, ``relative://path`` is
  relative to the project's ``basePath`` (or the folder of the ``.qdpx``), ``absolute://path``
  is a file on disk (or, if missing, a file of that name next to the ``.qdpx``).
- Offsets: REFI counts code points of the source as stored. Sources with a BOM or CRLF line
  endings, and characters above U+FFFF, are read, then the text is kept without BOM and with LF
  line endings; every offset is mapped to that text. When a tool stored the selected text as the
  selection's ``name``, the counting that makes those names match is used (so tools that count
  UTF-16 units or a line break as one character are read right); see
  :mod:`testimonycoder.io.offsets`.
- Safety: the zip is read in memory and never extracted; entries with absolute or ``..`` names
  are refused; XML with a DTD or entities (XXE, billion laughs) is refused by ``defusedxml``.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote

import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from testimonycoder.codebook import STATUSES, Codebook
from testimonycoder.errors import InputError
from testimonycoder.io.code_map import CodeResolver, Label
from testimonycoder.io.offsets import choose_map, normalize_text
from testimonycoder.io.refi_common import local, marker_of
from testimonycoder.io.text import decode_bytes

COLUMNS = ["doc_id", "coder", "code", "start", "end", "status"]
MAX_ENTRY_BYTES = 512 * 1024 * 1024  # refuse zip bombs: no single entry may inflate beyond this
_STATUS = re.compile(r"^\s*status\s*:\s*(\w+)\s*$", re.MULTILINE | re.IGNORECASE)


def empty_annotations() -> pd.DataFrame:
    """An empty long-format annotation table with the right dtypes."""
    return pd.DataFrame(
        {
            "doc_id": pd.Series([], dtype=object),
            "coder": pd.Series([], dtype=object),
            "code": pd.Series([], dtype=object),
            "start": pd.Series([], dtype="Int64"),
            "end": pd.Series([], dtype="Int64"),
            "status": pd.Series([], dtype=object),
        }
    )


def annotations_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Long-format DataFrame from row dicts (``start``/``end`` nullable Int64, status NA)."""
    if not rows:
        return empty_annotations()
    df = pd.DataFrame(rows, columns=COLUMNS)
    df["start"] = df["start"].astype("Int64")
    df["end"] = df["end"].astype("Int64")
    df["status"] = df["status"].astype(object).where(df["status"].notna(), pd.NA)
    return df


# ---------------------------------------------------------------------------- zip and XML safety


def _safe_name(name: str) -> bool:
    if name.startswith(("/", "\\")) or "\\" in name or re.match(r"^[A-Za-z]:", name):
        return False
    return ".." not in PurePosixPath(name).parts


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(
            f"{path}: not a REFI-QDA project (.qdpx is a zip archive; {exc}); export the "
            "project again from your QDA software"
        ) from None
    bad = [i.filename for i in zf.infolist() if not _safe_name(i.filename)]
    if bad:
        zf.close()
        raise InputError(
            f"{path}: refused: the archive holds unsafe paths ({', '.join(bad[:3])}); "
            "a project never needs '..' or absolute names"
        )
    return zf


def _read_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, where: Path) -> bytes:
    """Read one entry in memory, refusing one that inflates beyond MAX_ENTRY_BYTES."""
    chunks: list[bytes] = []
    total = 0
    with zf.open(info) as fh:
        while chunk := fh.read(1 << 20):
            total += len(chunk)
            if total > MAX_ENTRY_BYTES:
                raise InputError(f"{where}: entry '{info.filename}' is too large; refused")
            chunks.append(chunk)
    return b"".join(chunks)


def parse_xml(data: bytes, *, where: str) -> Any:
    """Parse XML with ``defusedxml``: DTDs, entities and external references are refused."""
    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise InputError(
            f"{where}: refused: the XML declares a DTD or entities ({type(exc).__name__}), "
            "which REFI-QDA files never need and attacks (XXE) use"
        ) from None
    except SafeET.ParseError as exc:
        raise InputError(f"{where}: not well-formed XML ({exc})") from None


def _find_qde(zf: zipfile.ZipFile, path: Path) -> zipfile.ZipInfo:
    top = [
        i for i in zf.infolist() if "/" not in i.filename and i.filename.lower().endswith(".qde")
    ]
    exact = [i for i in top if i.filename.lower() == "project.qde"]
    if exact or len(top) == 1:
        return (exact or top)[0]
    raise InputError(
        f"{path}: no project.qde in the archive; is this a REFI-QDA project (.qdpx) export?"
    )


# ---------------------------------------------------------------------------- project model


@dataclass
class _Selection:
    guid: str
    start: int
    end: int
    name: str | None
    status: str | None
    codings: list[tuple[str, str | None]]  # (code guid, user guid)
    user: str | None


@dataclass
class _Source:
    guid: str
    name: str
    raw: str
    selections: list[_Selection] = field(default_factory=list)
    codings: list[tuple[str, str | None]] = field(default_factory=list)
    user: str | None = None


def _children(el: Any, tag: str) -> Iterator[Any]:
    return (c for c in el if local(c.tag) == tag)


def _child(el: Any, tag: str) -> Any | None:
    return next(_children(el, tag), None)


def _codings(el: Any) -> list[tuple[str, str | None]]:
    out = []
    for coding in _children(el, "Coding"):
        ref = _child(coding, "CodeRef")
        if ref is not None and ref.get("targetGUID"):
            out.append((ref.get("targetGUID").strip("{}").lower(), coding.get("creatingUser")))
    return out


def _walk_codes(el: Any, parent: Label | None, out: dict[str, Label]) -> None:
    for code in _children(el, "Code"):
        name = code.get("name") or code.get("guid", "")
        desc = _child(code, "Description")
        label = Label(
            name=name,
            path=f"{parent.path}/{name}" if parent else name,
            parent=parent,
            marker=marker_of(desc.text if desc is not None else None),
        )
        out[code.get("guid", "").strip("{}").lower()] = label
        _walk_codes(code, label, out)


class _Project:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.zf = _open_zip(path)
        qde = _find_qde(self.zf, path)
        self.root = parse_xml(_read_entry(self.zf, qde, path), where=f"{path}!{qde.filename}")
        if local(self.root.tag) != "Project":
            raise InputError(
                f"{path}: {qde.filename} is not a REFI-QDA project (root element "
                f"'{local(self.root.tag)}', expected 'Project')"
            )
        self.entries = {i.filename.lower(): i for i in self.zf.infolist()}

    def users(self) -> dict[str, str]:
        users = _child(self.root, "Users")
        out: dict[str, str] = {}
        for user in _children(users, "User") if users is not None else []:
            guid = user.get("guid", "")
            out[guid.strip("{}").lower()] = user.get("name") or user.get("id") or guid
        return out

    def codes(self) -> dict[str, Label]:
        out: dict[str, Label] = {}
        book = _child(self.root, "CodeBook")
        codes = _child(book, "Codes") if book is not None else None
        if codes is not None:
            _walk_codes(codes, None, out)
        return out

    def _text_elements(self) -> Iterator[tuple[Any, str]]:
        """Text sources, and the plain-text ``Representation`` of PDF sources (NVivo, ATLAS.ti)."""
        sources = _child(self.root, "Sources")
        for src in sources if sources is not None else []:
            kind = local(src.tag)
            name = src.get("name") or src.get("guid", "")
            if kind == "TextSource":
                yield src, name
            elif kind == "PDFSource":
                rep = _child(src, "Representation")
                if rep is not None:
                    yield rep, rep.get("name") or name

    def sources(self) -> Iterator[_Source]:
        for src, name in self._text_elements():
            guid = src.get("guid", "")
            source = _Source(
                guid=guid,
                name=name,
                raw=self._text(src, name),
                codings=_codings(src),
                user=src.get("creatingUser"),
            )
            for sel in _children(src, "PlainTextSelection"):
                desc = _child(sel, "Description")
                status = _STATUS.search(desc.text or "") if desc is not None else None
                try:
                    start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
                except (TypeError, ValueError):
                    raise InputError(
                        f"{self.path}: source '{name}', selection {sel.get('guid')}: "
                        "startPosition/endPosition missing or not integers"
                    ) from None
                source.selections.append(
                    _Selection(
                        guid=sel.get("guid", ""),
                        start=start,
                        end=end,
                        name=sel.get("name"),
                        status=status.group(1).lower() if status else None,
                        codings=_codings(sel),
                        user=sel.get("creatingUser"),
                    )
                )
            yield source

    def _text(self, src: Any, name: str) -> str:
        content = _child(src, "PlainTextContent")
        if content is not None and content.text is not None:
            return str(content.text)
        ref = src.get("plainTextPath")
        if not ref:
            raise InputError(
                f"{self.path}: source '{name}' has neither PlainTextContent nor plainTextPath; "
                "only plain-text sources can be imported (convert rich text/PDF to text first)"
            )
        return decode_bytes(self._source_bytes(ref, name), name=f"{self.path}: source '{name}'")

    def _source_bytes(self, ref: str, name: str) -> bytes:
        scheme, _, rest = ref.partition("://")
        rest = unquote(rest)
        if scheme == "internal":
            key = f"sources/{rest}".lower()
            if not _safe_name(rest) or key not in self.entries:
                raise InputError(
                    f"{self.path}: source '{name}': {ref} is not in the archive's sources/ folder"
                )
            return _read_entry(self.zf, self.entries[key], self.path)
        if scheme == "relative":
            base = self.root.get("basePath")
            candidates = [Path(unquote(base.partition("://")[2] or base)) / rest] if base else []
            candidates.append(self.path.parent / rest)
        elif scheme == "absolute":
            candidates = [
                Path(rest),
                self.path.parent / PurePosixPath(rest.replace("\\", "/")).name,
            ]
        else:
            raise InputError(
                f"{self.path}: source '{name}': unknown path scheme in '{ref}' "
                "(expected internal://, relative:// or absolute://)"
            )
        for candidate in candidates:
            if candidate.is_file():
                try:
                    return candidate.read_bytes()
                except OSError as exc:
                    raise InputError(f"{candidate}: cannot be read ({exc.strerror})") from None
        raise InputError(
            f"{self.path}: source '{name}': {ref} not found (looked in "
            f"{', '.join(str(c) for c in candidates)}); put the file next to the .qdpx"
        )


def read_project(
    path: Path, *, codebook: Codebook, code_map: dict[str, str | None] | None = None
) -> tuple[dict[str, str], pd.DataFrame]:
    """Read a ``.qdpx`` REFI-QDA project as ``(texts, annotations)``.

    Args:
        path: the ``.qdpx`` file.
        codebook: codes are mapped to this codebook's ids (see :mod:`testimonycoder.io.code_map`).
        code_map: label or ``Parent/Child`` path -> codebook id (``None`` ignores that code).

    Returns:
        ``texts``: document id -> text (no BOM, LF line endings) and the long-format DataFrame
        ``doc_id, coder, code, start, end, status`` (code-point offsets into ``texts``).

    Raises:
        InputError: not a zip, no project.qde, unsafe archive or XML, missing source text, or a
            selection outside its text.
        CodebookError: codes used in the project that the codebook and code map do not resolve
            (all of them are listed).
    """
    project = _Project(path)
    try:
        users = project.users()
        codes = project.codes()
        default_user = (project.root.get("creatingUserGUID") or "").strip("{}").lower()
        resolver = CodeResolver(codebook, code_map)
        texts: dict[str, str] = {}
        rows: list[dict[str, Any]] = []
        for source in project.sources():
            doc_id = source.name
            n = 2
            while doc_id in texts:
                doc_id, n = f"{source.name}#{n}", n + 1
            texts[doc_id] = normalize_text(source.raw)
            rows.extend(
                _source_rows(project.path, source, doc_id, users, codes, resolver, default_user)
            )
        resolver.check(str(path))
    finally:
        project.zf.close()
    if not texts:
        raise InputError(f"{path}: the project holds no text sources")
    return texts, annotations_frame(rows)


def _coder(users: dict[str, str], *guids: str | None) -> str:
    for guid in guids:
        if guid:
            key = guid.strip("{}").lower()
            return users.get(key, key)
    return "unknown"


def _code_id(
    codes: dict[str, Label], resolver: CodeResolver, guid: str, where: str, path: Path
) -> str | None:
    label = codes.get(guid)
    if label is None:
        raise InputError(
            f"{path}: {where} refers to code {guid}, which is not in the project's "
            "codebook; the project is damaged, export it again"
        )
    return resolver.resolve(label, where=where)


def _source_rows(
    path: Path,
    source: _Source,
    doc_id: str,
    users: dict[str, str],
    codes: dict[str, Label],
    resolver: CodeResolver,
    default_user: str,
) -> Iterator[dict[str, Any]]:
    spans = [(s.start, s.end, s.name) for s in source.selections if s.codings]
    offsets, _counting = choose_map(source.raw, spans)
    for sel in source.selections:
        if not sel.codings:
            continue  # a selection only used for a memo
        if not (0 <= sel.start <= sel.end < len(offsets)):
            raise InputError(
                f"{path}: source '{source.name}', selection {sel.guid}: positions "
                f"{sel.start}-{sel.end} lie outside the text ({len(offsets) - 1} characters)"
            )
        start, end = offsets[sel.start], offsets[sel.end]
        status = sel.status if sel.status in STATUSES else None
        for code_guid, user in sel.codings:
            where = f"source '{source.name}'"
            code = _code_id(codes, resolver, code_guid, where, path)
            if code is None:
                continue
            yield {
                "doc_id": doc_id,
                "coder": _coder(users, user, sel.user, source.user, default_user),
                "code": code,
                "start": start,
                "end": end,
                "status": status,
            }
    for code_guid, user in source.codings:
        code = _code_id(codes, resolver, code_guid, f"source '{source.name}'", path)
        if code is not None:
            yield {
                "doc_id": doc_id,
                "coder": _coder(users, user, source.user, default_user),
                "code": code,
                "start": None,
                "end": None,
                "status": None,
            }
