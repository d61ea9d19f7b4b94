"""Write codings as a REFI-QDA project (``.qdpx``) and a codebook as a REFI codebook (``.qdc``).

A ``.qdpx`` is a zip holding ``project.qde`` (QDA-XML, namespace ``urn:QDA-XML:project:1.0``) and
``sources/<guid>.txt``, one UTF-8 text per document (no BOM, LF line endings; evidence offsets are
moved accordingly, see :mod:`testimonycoder.io.offsets`). In ``project.qde``:

- the codebook is nested ``Code`` elements, sub-codes inside their parent;
- one ``User`` is the coder: ``testimonycoder <version> / <model>``;
- each evidence span is a ``PlainTextSelection`` (code-point offsets) with a ``Coding`` and
  ``CodeRef``; its ``Description`` keeps the evidence status, experiencer, source, rule and score;
- a document-level code without an asserted evidence span (e.g. a model prediction) is a
  ``Coding`` on the ``TextSource`` itself;
- documents flagged for review are members of the set ``testimonycoder: needs review``.

Everything is deterministic: GUIDs are uuid5 of stable names, no timestamps are written and zip
entries carry a fixed date, so the same input gives a byte-identical file.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path

from lxml import etree

from testimonycoder import __version__
from testimonycoder.codebook import Codebook
from testimonycoder.document import Coding, Document, Evidence
from testimonycoder.errors import InputError
from testimonycoder.io.atomic import atomic_path, write_bytes_atomic
from testimonycoder.io.offsets import Counting, normalize_text, unit_map
from testimonycoder.io.refi_common import (
    NS_CODEBOOK,
    NS_PROJECT,
    code_description,
    make_guid,
    xml_safe,
)

ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date zip can store; fixed so bytes repeat
REVIEW_SET = "testimonycoder: needs review"
_NAME_CHARS = 80


def coder_name(model_name: str) -> str:
    """The REFI ``User`` name of a testimonycoder run."""
    return f"testimonycoder {__version__} / {model_name}"


def code_guid(codebook: Codebook, code_id: str) -> str:
    """The GUID of a code: stable across codebook versions, so projects can be merged."""
    return make_guid("code", codebook.name, code_id)


def _el(parent: etree._Element | None, ns: str, tag: str, **attrs: str) -> etree._Element:
    qname = f"{{{ns}}}{tag}"
    if parent is None:
        return etree.Element(qname, attrs, nsmap={None: ns})
    return etree.SubElement(parent, qname, attrs)


def _text(parent: etree._Element, ns: str, tag: str, text: str) -> None:
    _el(parent, ns, tag).text = xml_safe(text)


def _add_codes(parent: etree._Element, ns: str, codebook: Codebook, under: str | None) -> None:
    for code in codebook.codes:
        if code.parent != under:
            continue
        el = _el(
            parent,
            ns,
            "Code",
            guid=code_guid(codebook, code.id),
            name=xml_safe(code.name),
            isCodable="true",
            color=code.colour.upper(),
        )
        _text(el, ns, "Description", code_description(code))
        _add_codes(el, ns, codebook, code.id)


def _serialize(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def codebook_qdc_bytes(codebook: Codebook) -> bytes:
    """The REFI codebook (``.qdc``) XML of ``codebook``."""
    root = _el(None, NS_CODEBOOK, "CodeBook", origin=f"testimonycoder {__version__}")
    _add_codes(_el(root, NS_CODEBOOK, "Codes"), NS_CODEBOOK, codebook, None)
    return _serialize(root)


def write_codebook_qdc(
    out: Path, codebook: Codebook, *, force: bool = False, shared: bool = True
) -> None:
    """Write ``codebook`` as a REFI-QDA codebook file (``.qdc``), atomically.

    A codebook holds no testimony, so it is readable by others by default (``shared``).
    """
    write_bytes_atomic(out, codebook_qdc_bytes(codebook), force=force, shared=shared)


def _selection_description(ev: Evidence) -> str:
    lines = [f"status: {ev.status}", f"experiencer: {ev.experiencer}", f"source: {ev.source}"]
    if ev.rule is not None:
        lines.append(f"rule: {ev.rule}")
    if ev.score is not None:
        lines.append(f"score: {ev.score:.4f}")
    return "\n".join(lines)


def _source_description(coding: Coding) -> str:
    scores = ", ".join(f"{k}={v:.4f}" for k, v in coding.scores.items())
    return "\n".join(
        [
            f"testimonycoder codes: {', '.join(coding.codes) or 'none'}",
            f"sub-codes: {', '.join(coding.subcodes) or 'none'}",
            f"needs review: {'yes' if coding.review else 'no'}"
            + (f" ({'; '.join(coding.review_reasons)})" if coding.review_reasons else ""),
            *(
                []
                if coding.rounded_margin is None
                else [f"review margin: {coding.rounded_margin} (the lower, the likelier wrong)"]
            ),
            f"scores: {scores or 'none'}",
            f"codebook: {coding.codebook}",
        ]
    )


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _NAME_CHARS else text[: _NAME_CHARS - 3].rstrip() + "..."


def _add_source(
    sources: etree._Element, doc: Document, coding: Coding, codebook: Codebook, user: str
) -> tuple[str, str]:
    """Add a ``TextSource`` for ``doc``; return its GUID and the text to store."""
    text = normalize_text(doc.text)
    # code points of doc.text (a leading BOM included) -> code points of the stored text
    offsets = unit_map(doc.text, Counting(bom=True))
    src_guid = make_guid("source", doc.id)
    src = _el(
        sources,
        NS_PROJECT,
        "TextSource",
        guid=src_guid,
        name=xml_safe(doc.id),
        plainTextPath=f"internal://{src_guid}.txt",
        creatingUser=user,
    )
    _text(src, NS_PROJECT, "Description", _source_description(coding))
    asserted: set[str] = set()
    for i, ev in enumerate(coding.evidence):
        if not (0 <= ev.start <= ev.end <= len(doc.text)):
            raise InputError(
                f"document '{doc.id}': evidence {ev.code} [{ev.start}:{ev.end}] lies outside the "
                f"text ({len(doc.text)} characters); the coding does not belong to this text"
            )
        start, end = offsets[ev.start], offsets[ev.end]
        sel_guid = make_guid("selection", doc.id, str(i), ev.code, str(ev.start), str(ev.end))
        sel = _el(
            src,
            NS_PROJECT,
            "PlainTextSelection",
            guid=sel_guid,
            name=xml_safe(_short(text[start:end])),
            startPosition=str(start),
            endPosition=str(end),
            creatingUser=user,
        )
        _text(sel, NS_PROJECT, "Description", _selection_description(ev))
        coding_el = _el(
            sel, NS_PROJECT, "Coding", guid=make_guid("coding", sel_guid), creatingUser=user
        )
        _el(coding_el, NS_PROJECT, "CodeRef", targetGUID=code_guid(codebook, ev.code))
        if ev.status == "asserted":
            asserted.add(ev.code)
    # Document-level codes with no asserted span (a model's prediction) code the whole source.
    for code in [*coding.codes, *coding.subcodes]:
        if code not in asserted:
            coding_el = _el(
                src,
                NS_PROJECT,
                "Coding",
                guid=make_guid("doc-coding", doc.id, code),
                creatingUser=user,
            )
            _el(coding_el, NS_PROJECT, "CodeRef", targetGUID=code_guid(codebook, code))
    return src_guid, text


def project_entries(
    name: str,
    documents: Sequence[Document],
    codings: Sequence[Coding],
    codebook: Codebook,
    *,
    model_name: str,
) -> list[tuple[str, bytes]]:
    """The zip entries (``project.qde`` first, then ``sources/*.txt``) of a REFI project."""
    by_id = {c.id: c for c in codings}
    known = {c.id for c in codebook.codes}
    user = make_guid("user", coder_name(model_name))
    root = _el(
        None,
        NS_PROJECT,
        "Project",
        name=xml_safe(name),
        origin=f"testimonycoder {__version__}",
        creatingUserGUID=user,
    )
    users = _el(root, NS_PROJECT, "Users")
    _el(users, NS_PROJECT, "User", guid=user, name=coder_name(model_name), id="testimonycoder")
    _add_codes(
        _el(_el(root, NS_PROJECT, "CodeBook"), NS_PROJECT, "Codes"), NS_PROJECT, codebook, None
    )
    sources = _el(root, NS_PROJECT, "Sources")
    files: list[tuple[str, bytes]] = []
    review: list[str] = []
    seen: set[str] = set()
    for doc in documents:
        if doc.id in seen:
            raise InputError(f"document id '{doc.id}' appears twice; ids must be unique")
        seen.add(doc.id)
        coding = by_id.get(doc.id)
        if coding is None:
            raise InputError(f"document '{doc.id}' has no coding; code it before exporting")
        unknown = {e.code for e in coding.evidence} | set(coding.codes) | set(coding.subcodes)
        unknown -= known
        if unknown:
            raise InputError(
                f"document '{doc.id}': codes {', '.join(sorted(unknown))} are not in codebook "
                f"'{codebook.name}'; export with the codebook the documents were coded with"
            )
        guid, text = _add_source(sources, doc, coding, codebook, user)
        files.append((f"sources/{guid}.txt", text.encode("utf-8")))
        if coding.review:
            review.append(guid)
    if not len(sources):
        root.remove(sources)
    if review:
        sets = _el(root, NS_PROJECT, "Sets")
        review_set = _el(
            sets, NS_PROJECT, "Set", guid=make_guid("set", REVIEW_SET), name=REVIEW_SET
        )
        _text(
            review_set,
            NS_PROJECT,
            "Description",
            "Documents testimonycoder flagged for human review (uncertain scores).",
        )
        for guid in review:
            _el(review_set, NS_PROJECT, "MemberSource", targetGUID=guid)
    _text(
        root,
        NS_PROJECT,
        "Description",
        f"Coded by testimonycoder {__version__} ({model_name}) with codebook "
        f"'{codebook.name}' v{codebook.version} ({codebook.hash}).",
    )
    return [("project.qde", _serialize(root)), *files]


def write_zip(path: Path, entries: Sequence[tuple[str, bytes]]) -> None:
    """Write ``entries`` to a zip at ``path`` with fixed dates and modes (reproducible bytes)."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # "Unix", whatever platform wrote it
            info.external_attr = 0o644 << 16
            zf.writestr(info, data, compresslevel=6)


def write_project(
    out: Path,
    documents: list[Document],
    codings: list[Coding],
    codebook: Codebook,
    *,
    model_name: str,
    force: bool = False,
    shared: bool = False,
) -> None:
    """Write ``documents`` and their ``codings`` as the REFI-QDA project ``out`` (``.qdpx``).

    The project name is ``out``'s stem. The file appears atomically and is private (0600)
    unless ``shared``; an existing file is replaced only with ``force``.

    Raises:
        InputError: a document without a coding, duplicate ids, or codes not in ``codebook``.
        OutputError: ``out`` cannot be written or exists without ``force``.
    """
    entries = project_entries(out.stem, documents, codings, codebook, model_name=model_name)
    with atomic_path(out, force=force, shared=shared) as tmp:
        write_zip(tmp, entries)
