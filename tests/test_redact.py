"""Redaction: stable placeholders, a private mapping, right evidence offsets, and recall."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from testimonycoder.cli.main import app
from testimonycoder.document import Document
from testimonycoder.redact import Redactor

runner = CliRunner()

# (identifier, kind) planted in the testimony below; recall is measured over these.
PLANTED = [
    ("Kim", "PERSON"),
    ("Hoeryong City", "PLACE"),
    ("Ri Myong-hui", "PERSON"),
    ("Pak Chol", "PERSON"),
    ("Musan", "PLACE"),
    ("Yanji", "PLACE"),
    ("Shenyang", "PLACE"),
    ("Longjing", "PLACE"),
    ("Chongjin", "PLACE"),
    ("Jilin Province", "PLACE"),
    ("+86 138 0431 2276", "PHONE"),
    ("010-4821-7730", "PHONE"),
    ("(0433) 285 1142", "PHONE"),
    ("mhri1994@example.com", "EMAIL"),
    ("broker.choi@mail.cn", "EMAIL"),
    ("12 March 1994", "DATE"),
    ("1996-07-02", "DATE"),
    ("May 5, 1999", "DATE"),
    ("G47190382", "ID"),
    ("220104199403120021", "ID"),
    ("Jang", "PERSON"),
    ("Seo Yun-ah", "PERSON"),
]
TESTIMONY = """Ms. Kim from Hoeryong City
Ri Myong-hui: I was born on 12 March 1994 in Musan. My sister, born 1996-07-02, stayed home.
Interviewer: Who took you across?
Ri Myong-hui: A man, Mr. Pak Chol, took me to Yanji and then to Shenyang. He sold me for 30000 yuan.
His number was +86 138 0431 2276, and my cousin's is 010-4821-7730. The office in Longjing had
(0433) 285 1142 on the door. Write to mhri1994@example.com or to broker.choi@mail.cn.
My Chinese ID was 220104199403120021 and the passport he made was G47190382.
Mrs. Jang, who was from Chongjin, lived in Jilin Province. Her daughter's DOB: May 5, 1999.
Miss Seo Yun-ah said Pak Chol would come back. In 2011 we paid 2000 yuan.
"""


def test_recall_on_planted_identifiers() -> None:
    redacted, mapping = Redactor.default().redact_text(TESTIMONY)
    found = [ident for ident, _ in PLANTED if ident not in redacted]
    recall = len(found) / len(PLANTED)
    missed = [ident for ident, _ in PLANTED if ident in redacted]
    print(f"redaction recall on {len(PLANTED)} planted identifiers: {recall:.3f}; missed {missed}")
    assert recall >= 0.95, missed
    kinds = {m["original"]: m["kind"] for m in mapping}
    for ident, kind in PLANTED:
        if ident in kinds:
            assert kinds[ident] == kind, (ident, kinds[ident])
    # Ordinary numbers and roles survive.
    for keep in ("30000 yuan", "2000 yuan", "In 2011", "Interviewer:"):
        assert keep in redacted


def test_placeholders_are_stable_and_mapping_offsets_are_right() -> None:
    redactor = Redactor.default()
    a, map_a = redactor.redact_text("Ms. Kim went to Yanji. Kim liked Yanji City.")
    b, _ = redactor.redact_text("Later Kim left Yanji with Mr. Pak.")
    assert a == "Ms. [PERSON-1] went to [PLACE-1]. [PERSON-1] liked [PLACE-1]."
    assert b == "Later [PERSON-1] left [PLACE-1] with Mr. [PERSON-2]."
    original = "Ms. Kim went to Yanji. Kim liked Yanji City."
    for m in map_a:
        assert original[m["start"] : m["end"]] == m["original"]
        assert a[m["redacted_start"] : m["redacted_end"]] == m["placeholder"]


def test_text_without_personal_data_is_unchanged() -> None:
    text = "They sold me twice. In 2011 I crossed the river; the broker took 3000 yuan."
    assert Redactor.default().redact_text(text) == (text, [])


def test_redact_document_redacts_personal_meta() -> None:
    doc = Document("t-001", "Ms. Ri from Musan: I was sold.", {"speaker": "Ms. Ri", "genre": "x"})
    out = Redactor.default().redact_document(doc)
    assert "Ri" not in out.text and "Musan" not in out.text
    assert out.meta["speaker"] == "Ms. [PERSON-1]" and out.meta["genre"] == "x"
    assert out.id == "t-001" and doc.text.startswith("Ms. Ri")  # the input is not changed


def test_gazetteer_of_any_layout_is_read(tmp_path: Path) -> None:
    from testimonycoder.redact import _capitalised_strings

    data = {"china": {"provinces": [{"name": "Jilin", "aliases": ["Kirin"]}]}, "nk": ["Musan"]}
    assert set(_capitalised_strings(data)) == {"Jilin", "Kirin", "Musan"}


def test_redact_command_writes_output_and_private_mapping(tmp_path: Path) -> None:
    src = tmp_path / "kim.txt"
    src.write_text(TESTIMONY, encoding="utf-8")
    out, mapping = tmp_path / "kim.redacted.jsonl", tmp_path / "private" / "map.json"
    mapping.parent.mkdir()
    args = ["redact", str(src), "--out", str(out), "--mapping", str(mapping)]
    result = runner.invoke(app, [*args, "--shared-permissions"])
    assert result.exit_code == 0, result.stderr
    (record,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert record["id"] == "kim" and "[PERSON-1]" in record["text"]
    assert "Myong-hui" not in out.read_text() and "Myong-hui" in mapping.read_text()
    assert stat.S_IMODE(mapping.stat().st_mode) == 0o600  # always private
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    again = runner.invoke(app, args)
    assert again.exit_code == 1 and "--force" in again.stderr


def test_redact_to_txt_needs_one_document(tmp_path: Path) -> None:
    (tmp_path / "d.jsonl").write_text('{"id":"a","text":"x"}\n{"id":"b","text":"y"}\n')
    result = runner.invoke(
        app, ["redact", str(tmp_path / "d.jsonl"), "--out", str(tmp_path / "o.txt")]
    )
    assert result.exit_code == 1 and "use .jsonl" in result.stderr
    assert not (tmp_path / "o.txt").exists()


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_code_redact_evidence_points_into_the_redacted_text(tmp_path: Path, suffix: str) -> None:
    text = TESTIMONY.replace("Interviewer: Who took you across?\n", "")  # no question turns
    src = tmp_path / "kim.txt"
    src.write_text(text, encoding="utf-8")
    out = tmp_path / f"coded{suffix}"
    result = runner.invoke(app, ["code", str(src), "--out", str(out), "--rules-only", "--redact"])
    assert result.exit_code == 0, result.stderr
    redacted, _ = Redactor.default().redact_text(text)
    content = out.read_text(encoding="utf-8")
    assert "Myong-hui" not in content and "Shenyang" not in content
    if suffix == ".jsonl":
        evidence = json.loads(content)["evidence"]
    else:
        import csv

        evidence = json.loads(next(csv.DictReader(content.splitlines()))["evidence"])
    assert evidence, "the testimony should have evidence"
    for ev in evidence:
        assert redacted[ev["start"] : ev["end"]] == ev["text"]
