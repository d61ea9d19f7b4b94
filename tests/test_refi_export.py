"""REFI-QDA export: XSD-valid, deterministic, offsets moved with line endings."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import xmlschema

from testimonycoder.codebook import load_codebook
from testimonycoder.document import Coding, Document, Evidence
from testimonycoder.errors import InputError, OutputError
from testimonycoder.io.refi_export import codebook_qdc_bytes, write_codebook_qdc, write_project

DATA = Path(__file__).parent / "data" / "refi"


@pytest.fixture(scope="module")
def project_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(DATA / "Project-mrt2019.xsd")


@pytest.fixture(scope="module")
def codebook_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(DATA / "Codebook.xsd")


def _ev(code: str, text: str, phrase: str, status: str = "asserted") -> Evidence:
    start = text.index(phrase)
    return Evidence(code, start, start + len(phrase), phrase, "rules", status, "self", "r1")


def _coded() -> tuple[list[Document], list[Coding]]:
    t1 = "He sold me to a farmer.\r\nI was not kidnapped. 😀 Then he sold me again."
    t2 = "\ufeffShe said she would find me a job in a restaurant."
    docs = [Document("d1", t1), Document("d2", t2)]
    codings = [
        Coding(
            "d1",
            ["sale"],
            ["sale.broker"],
            {"sale": 1.0},
            False,
            "x",
            [
                _ev("sale", t1, "sold me"),
                _ev("abduction", t1, "kidnapped", "negated"),
                _ev("sale.broker", t1, "he sold me again"),
            ],
            [],
        ),
        Coding(
            "d2",
            ["coercion"],
            [],
            {"coercion": 0.6},
            True,
            "x",
            [],
            [],
            review_reasons=["coercion: close to the threshold"],
            review_margin=0.1234,
        ),
    ]
    return docs, codings


def test_project_validates_and_is_byte_identical(tmp_path: Path, project_schema) -> None:
    docs, codings = _coded()
    book = load_codebook()
    a, b = tmp_path / "a.qdpx", tmp_path / "b" / "a.qdpx"
    b.parent.mkdir()
    write_project(a, docs, codings, book, model_name="rules")
    write_project(b, docs, codings, book, model_name="rules")
    assert a.read_bytes() == b.read_bytes()
    assert a.stat().st_mode & 0o777 == 0o600
    with zipfile.ZipFile(a) as zf:
        names = zf.namelist()
        assert names[0] == "project.qde"
        assert all(n.startswith("sources/") and n.endswith(".txt") for n in names[1:])
        qde = zf.read("project.qde")
        project_schema.validate(qde)
        texts = [zf.read(n) for n in names[1:]]
    assert not any(t.startswith(b"\xef\xbb\xbf") or b"\r" in t for t in texts)
    doc = project_schema.to_dict(qde)
    users = doc["Users"]["User"]
    assert users[0]["@name"] == "testimonycoder 0.1.0 / rules"
    sources = doc["Sources"]["TextSource"]
    stored = texts[0].decode("utf-8")
    for sel in sources[0]["PlainTextSelection"]:
        span = stored[sel["@startPosition"] : sel["@endPosition"]]
        assert span == sel["@name"]  # offsets moved past the removed "\r"
        assert "status:" in sel["Description"] and "source: rules" in sel["Description"]
    # d2: the model's code without a span codes the whole source; d2 is in the review set
    assert sources[1]["Coding"][0]["CodeRef"]["@targetGUID"]
    assert doc["Sets"]["Set"][0]["MemberSource"][0]["@targetGUID"] == sources[1]["@guid"]
    assert "needs review: yes (coercion: close to the threshold)" in sources[1]["Description"]
    assert "review margin: 0.123 (the lower" in sources[1]["Description"]
    assert "review margin" not in sources[0]["Description"]  # coded by the rules alone
    codes = doc["CodeBook"]["Codes"]["Code"]
    assert [c["@name"] for c in codes[0]["Code"]] == [
        "Coercion in North Korea",
        "Coercion in China",
    ]


def test_codebook_qdc_validates(tmp_path: Path, codebook_schema) -> None:
    out = tmp_path / "codebook.qdc"
    write_codebook_qdc(out, load_codebook())
    codebook_schema.validate(str(out))
    assert out.read_bytes() == codebook_qdc_bytes(load_codebook())
    with pytest.raises(OutputError, match="already exists"):
        write_codebook_qdc(out, load_codebook())


def test_unknown_code_and_missing_coding_are_errors(tmp_path: Path) -> None:
    docs, codings = _coded()
    book = load_codebook()
    with pytest.raises(InputError, match="no coding"):
        write_project(tmp_path / "x.qdpx", docs, codings[:1], book, model_name="rules")
    codings[0].codes.append("smuggling")
    with pytest.raises(InputError, match="smuggling"):
        write_project(tmp_path / "x.qdpx", docs, codings, book, model_name="rules")
    assert not (tmp_path / "x.qdpx").exists()
