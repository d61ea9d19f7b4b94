"""REFI-QDA import: round trip, real-world traps (CRLF, BOM, emoji, paths), unsafe archives."""

from __future__ import annotations

import functools
import json
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from testimonycoder.cli.main import app
from testimonycoder.codebook import Codebook, load_codebook
from testimonycoder.document import Coding, Document, Evidence
from testimonycoder.errors import CodebookError, InputError
from testimonycoder.io.annotations import document_labels
from testimonycoder.io.offsets import normalize_text
from testimonycoder.io.readers import read_documents
from testimonycoder.io.refi_export import write_project
from testimonycoder.io.refi_import import read_project

SAMPLES = Path(__file__).resolve().parents[1] / "corpus" / "samples"
U1, U2 = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"
SALE, ABD, BROKER = (
    "aaaaaaaa-0000-0000-0000-000000000001",
    "aaaaaaaa-0000-0000-0000-000000000002",
    "aaaaaaaa-0000-0000-0000-000000000003",
)


@pytest.fixture(scope="module")
def book():
    return load_codebook()


def test_round_trip_samples(tmp_path: Path, book) -> None:
    runner = CliRunner()
    for out in ("coded.jsonl", "coded.qdpx"):
        result = runner.invoke(
            app, ["code", str(SAMPLES), "--out", str(tmp_path / out), "--rules-only"]
        )
        assert result.exit_code == 0, result.output
    texts, df = read_project(tmp_path / "coded.qdpx", codebook=book)
    docs = {d.id: d.text for d in read_documents([SAMPLES])}
    assert texts == docs
    records = [json.loads(line) for line in (tmp_path / "coded.jsonl").read_text().splitlines()]
    labels = document_labels(df)
    assert set(df["coder"]) == {"testimonycoder 0.1.0 / rules"}
    for rec in records:
        spans = df[(df.doc_id == rec["id"]) & df.start.notna()]
        got = sorted((r.code, r.start, r.end, r.status) for r in spans.itertuples())
        want = sorted((e["code"], e["start"], e["end"], e["status"]) for e in rec["evidence"])
        assert got == want
        for e in rec["evidence"]:
            assert texts[rec["id"]][e["start"] : e["end"]] == e["text"]
        assert sorted(labels[labels.doc_id == rec["id"]].code) == sorted(
            rec["codes"] + rec["subcodes"]
        )


def _qde(sources: str, codes: str | None = None) -> str:
    codes = codes or (
        f'<Code guid="{SALE}" name="Sale" isCodable="true">'
        f'<Code guid="{BROKER}" name="Sale by broker or sub-broker" isCodable="true"/></Code>'
        f'<Code guid="{ABD}" name="Kidnapping" isCodable="true"/>'
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<Project xmlns="urn:QDA-XML:project:1.0" name="hand" basePath="/nonexistent">'
        f'<Users><User guid="{U1}" name="Ana"/><User guid="{U2}" name="Bo"/></Users>'
        f"<CodeBook><Codes>{codes}</Codes></CodeBook><Sources>{sources}</Sources></Project>"
    )


def _sel(guid: str, start: int, end: int, code: str, user: str, name: str | None = None) -> str:
    name_attr = f' name="{name}"' if name is not None else ""
    return (
        f'<PlainTextSelection guid="{guid}"{name_attr} startPosition="{start}" '
        f'endPosition="{end}" creatingUser="{user}"><Coding guid="{guid[:-1]}f" '
        f'creatingUser="{user}"><CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>'
    )


def _zip(path: Path, entries: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _g(n: int) -> str:
    return f"bbbbbbbb-0000-0000-0000-{n:012d}"


def test_hand_made_project_two_users_crlf_bom_emoji(tmp_path: Path, book) -> None:
    crlf = "Q: What happened?\r\nA: The broker sold me.\r\nA: Men kidnapped my sister."
    bom = "\ufeffShe was sold by a broker in Yanji."
    emoji = "I cried 😢😢 when he sold me. Later I was kidnapped."
    inline = "Line one.\nThey sold her to a farmer."
    external = "The police sold us back."
    (tmp_path / "ext.txt").write_text(external, encoding="utf-8")
    # standard REFI offsets: code points of the stored source (CRLF = 2, BOM not counted)
    s_sold = crlf.index("sold me")
    s_kid = crlf.index("kidnapped my sister")
    u_sold = len(emoji[: emoji.index("sold me")].encode("utf-16-le")) // 2
    u_kid = len(emoji[: emoji.index("kidnapped")].encode("utf-16-le")) // 2
    sources = (
        f'<TextSource guid="{_g(1)}" name="crlf" plainTextPath="internal://one.txt">'
        + _sel(_g(11), s_sold, s_sold + 7, SALE, U1)
        + _sel(_g(12), s_kid, s_kid + 19, ABD, U2)
        + _sel(_g(13), s_sold, s_sold + 7, BROKER, U2)
        + "</TextSource>"
        f'<TextSource guid="{_g(2)}" name="bom" plainTextPath="internal://two.txt">'
        + _sel(_g(21), 8, 12, SALE, U1)
        + "</TextSource>"
        # emoji counted as UTF-16 units by this tool; the stored names reveal it
        f'<TextSource guid="{_g(3)}" name="emoji" plainTextPath="internal://three.txt">'
        + _sel(_g(31), u_sold, u_sold + 7, SALE, U1, "sold me")
        + _sel(_g(32), u_kid, u_kid + 9, ABD, U2, "kidnapped")
        + "</TextSource>"
        f'<TextSource guid="{_g(4)}" name="inline"><PlainTextContent>{inline}</PlainTextContent>'
        + _sel(_g(41), 15, 19, SALE, U2)
        + f'<Coding guid="{_g(42)}" creatingUser="{U1}"><CodeRef targetGUID="{SALE}"/></Coding>'
        + "</TextSource>"
        f'<TextSource guid="{_g(5)}" name="ext" plainTextPath="relative://ext.txt">'
        + _sel(_g(51), 11, 15, SALE, U1)
        + "</TextSource>"
        f'<TextSource guid="{_g(6)}" name="abs" '
        f'plainTextPath="absolute://{tmp_path / "ext.txt"}">'
        + _sel(_g(61), 11, 15, SALE, U2)
        + "</TextSource>"
    )
    project = _zip(
        tmp_path / "hand.qdpx",
        {
            "project.qde": _qde(sources),
            "sources/one.txt": crlf.encode("utf-8"),
            "sources/two.txt": bom.encode("utf-8"),  # starts with the BOM
            "sources/three.txt": emoji,
        },
    )
    texts, df = read_project(project, codebook=book, code_map={"Kidnapping": "abduction"})
    assert texts["crlf"] == crlf.replace("\r\n", "\n")
    assert texts["bom"] == bom[1:]
    assert texts["inline"] == inline and texts["ext"] == external == texts["abs"]
    assert set(df.coder) == {"Ana", "Bo"}
    want = {
        ("crlf", "Ana", "sale"): "sold me",
        ("crlf", "Bo", "abduction"): "kidnapped my sister",
        ("crlf", "Bo", "sale.broker"): "sold me",
        ("bom", "Ana", "sale"): "sold",
        ("emoji", "Ana", "sale"): "sold me",
        ("emoji", "Bo", "abduction"): "kidnapped",
        ("inline", "Bo", "sale"): "sold",
        ("ext", "Ana", "sale"): "sold",
        ("abs", "Bo", "sale"): "sold",
    }
    spans = df[df.start.notna()]
    got = {
        (r.doc_id, r.coder, r.code): texts[r.doc_id][r.start : r.end] for r in spans.itertuples()
    }
    assert got == want
    whole = df[df.start.isna()]
    assert list(zip(whole.doc_id, whole.coder, whole.code, strict=True)) == [
        ("inline", "Ana", "sale")
    ]
    assert df.status.isna().all()


def test_unmapped_codes_are_listed(tmp_path: Path, book) -> None:
    sources = (
        f'<TextSource guid="{_g(1)}" name="a"><PlainTextContent>sold and taken</PlainTextContent>'
        + _sel(_g(2), 0, 4, ABD, U1)
        + "</TextSource>"
    )
    project = _zip(tmp_path / "p.qdpx", {"project.qde": _qde(sources)})
    with pytest.raises(CodebookError, match=r"'Kidnapping'.*--code-map"):
        read_project(project, codebook=book)
    _, df = read_project(project, codebook=book, code_map={"Kidnapping": None})
    assert df.empty
    with pytest.raises(CodebookError, match="not a code"):
        read_project(project, codebook=book, code_map={"Kidnapping": "kidnap"})


def test_selection_outside_text(tmp_path: Path, book) -> None:
    sources = (
        f'<TextSource guid="{_g(1)}" name="a"><PlainTextContent>short</PlainTextContent>'
        + _sel(_g(2), 2, 50, SALE, U1)
        + "</TextSource>"
    )
    project = _zip(tmp_path / "p.qdpx", {"project.qde": _qde(sources)})
    with pytest.raises(InputError, match="outside the text"):
        read_project(project, codebook=book)


def test_zip_slip_rejected(tmp_path: Path, book) -> None:
    project = _zip(tmp_path / "evil.qdpx", {"project.qde": _qde(""), "../../evil.txt": "x"})
    with pytest.raises(InputError, match="unsafe paths"):
        read_project(project, codebook=book)
    assert not (tmp_path.parent / "evil.txt").exists()
    sources = f'<TextSource guid="{_g(1)}" name="a" plainTextPath="internal://../../x.txt"/>'
    project = _zip(tmp_path / "evil2.qdpx", {"project.qde": _qde(sources)})
    with pytest.raises(InputError, match="not in the archive"):
        read_project(project, codebook=book)


def test_xxe_rejected(tmp_path: Path, book) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="&x;"/>'
    )
    project = _zip(tmp_path / "xxe.qdpx", {"project.qde": xxe})
    with pytest.raises(InputError, match=r"refused.*DTD"):
        read_project(project, codebook=book)


def test_not_a_project(tmp_path: Path, book) -> None:
    (tmp_path / "a.qdpx").write_text("not a zip")
    with pytest.raises(InputError, match="not a REFI-QDA project"):
        read_project(tmp_path / "a.qdpx", codebook=book)
    with pytest.raises(InputError, match=r"no project.qde"):
        read_project(_zip(tmp_path / "b.qdpx", {"readme.txt": "hi"}), codebook=book)


def test_cli_codebook_export_import(tmp_path: Path) -> None:
    runner = CliRunner()
    qdc, yml = tmp_path / "codebook.qdc", tmp_path / "codebook.yaml"
    assert runner.invoke(app, ["codebook", "export", "--out", str(qdc)]).exit_code == 0
    result = runner.invoke(app, ["codebook", "import", str(qdc), "--out", str(yml)])
    assert result.exit_code == 0, result.output
    original, imported = load_codebook(), load_codebook(yml)
    assert [c.id for c in imported.codes] == [c.id for c in original.codes]
    assert [c.parent for c in imported.codes] == [c.parent for c in original.codes]
    assert all(not c.rules for c in imported.codes)
    assert imported.code("sale").include == original.code("sale").include
    result = runner.invoke(app, ["codebook", "import", str(qdc), "--out", str(yml)])
    assert result.exit_code == 1 and "already exists" in result.output


@functools.cache
def _book() -> Codebook:
    return load_codebook()


PIECES = st.sampled_from(["sold ", "a", " ", "\r\n", "\n", "😀", "가", "\ufeff", "\x0b"])


@given(st.lists(PIECES, min_size=1, max_size=30), st.data())
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_export_import_keeps_every_span_text(tmp_path: Path, pieces: list[str], data) -> None:
    text = "".join(pieces)
    cuts = [i for i in range(len(text) + 1) if text[i - 1 : i + 1] != "\r\n" or i == 0]
    spans = []
    for _ in range(data.draw(st.integers(1, 4))):
        start = data.draw(st.sampled_from(cuts))
        end = data.draw(st.sampled_from([c for c in cuts if c >= start]))
        spans.append(Evidence("sale", start, end, text[start:end], "rules", "asserted", "self"))
    book = _book()
    out = tmp_path / "p.qdpx"
    coding = Coding("d", ["sale"], [], {"sale": 1.0}, False, "x", spans, [])
    write_project(out, [Document("d", text)], [coding], book, model_name="rules", force=True)
    texts, df = read_project(out, codebook=book)
    got = sorted(texts["d"][r.start : r.end] for r in df.itertuples())
    # normalization is prefix-stable at these cuts, so a span's text is the difference
    want = sorted(
        normalize_text(text[: e.end])[len(normalize_text(text[: e.start])) :] for e in spans
    )
    assert got == want


def test_pdf_representation_and_duplicate_names(tmp_path: Path, book) -> None:
    sources = (
        f'<TextSource guid="{_g(1)}" name="note"><PlainTextContent>He sold me.</PlainTextContent>'
        + _sel(_g(2), 3, 7, SALE, U1)
        + "</TextSource>"
        f'<TextSource guid="{_g(3)}" name="note"><PlainTextContent>Sold again.</PlainTextContent>'
        + _sel(_g(4), 0, 4, SALE, U2)
        + "</TextSource>"
        f'<PDFSource guid="{_g(5)}" name="report.pdf" path="internal://r.pdf">'
        f'<Representation guid="{_g(6)}" name="report" plainTextPath="internal://r.txt">'
        + _sel(_g(7), 4, 8, SALE, U1)
        + "</Representation></PDFSource>"
        f'<PictureSource guid="{_g(8)}" name="photo.jpg" path="internal://p.jpg"/>'
    )
    project = _zip(
        tmp_path / "p.qdpx", {"project.qde": _qde(sources), "sources/r.txt": "She sold me."}
    )
    texts, df = read_project(project, codebook=book)
    assert texts == {"note": "He sold me.", "note#2": "Sold again.", "report": "She sold me."}
    assert [texts[r.doc_id][r.start : r.end] for r in df.itertuples()] == ["sold", "Sold", "sold"]
