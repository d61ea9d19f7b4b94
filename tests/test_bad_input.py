"""Bad input never crashes: a one-line error naming the place, a non-zero exit, no partial output.

Each row of ``CASES`` builds some bad input in ``tmp_path`` and returns the command line to run.
The runner then checks, for every row: exit code != 0, exactly one ``error:`` line on stderr that
contains the expected fragments (file name, line number, document id...), no traceback, and that no
file under ``tmp_path`` was created or changed (no partial or temporary output left behind).
Rows for commands written on other branches (``train``, ``audit``, the ``.qdpx`` reader, models) are
skipped until those land, and start running when they are merged.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from testimonycoder.cli.main import app
from tests._cli_support import module_exists, qdpx_reader_exists, registered

runner = CliRunner()

GOOD_TEXT = "Interviewer: What happened?\nRespondent: A broker sold me to a farmer in China.\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06" + bytes(64)


def _codebook(**changes: object) -> dict[str, object]:
    """A tiny valid codebook; ``changes`` override top-level keys."""
    book: dict[str, object] = {
        "name": "tiny",
        "version": "1",
        "codes": [
            {
                "id": "sale",
                "name": "Sale",
                "definition": "She was sold.",
                "rules": [{"id": "sale.sold", "pattern": [{"LEMMA": "sell"}]}],
            },
            {"id": "sale.broker", "name": "Broker", "definition": "By a broker.", "parent": "sale"},
        ],
        "context": {"statuses": {"negated": {"pre": ["not"]}}},
    }
    book.update(changes)
    return book


def _write_codebook(tmp: Path, book: object, name: str = "codebook.yaml") -> Path:
    path = tmp / name
    path.write_text(yaml.safe_dump(book, sort_keys=False), encoding="utf-8")
    return path


def _jsonl(tmp: Path, lines: list[str], name: str = "docs.jsonl") -> Path:
    path = tmp / name
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _rec(doc_id: str, text: str = GOOD_TEXT) -> str:
    return json.dumps({"id": doc_id, "text": text})


def _good(tmp: Path) -> Path:
    return _jsonl(tmp, [_rec("a"), _rec("b")], name="good.jsonl")


def _code(tmp: Path, *inputs: Path | str, out: str = "out.jsonl", extra: tuple[str, ...] = ()):
    return ["code", *map(str, inputs), "--out", str(tmp / out), "--rules-only", *extra]


# ---------------------------------------------------------------------------------------------
# Builders: each writes bad input under tmp and returns the CLI arguments.


def empty_txt(tmp: Path) -> list[str]:
    (tmp / "empty.txt").write_bytes(b"")
    return _code(tmp, tmp / "empty.txt")


def whitespace_txt(tmp: Path) -> list[str]:
    (tmp / "blank.txt").write_text(" \n\r\n\t\n")
    return _code(tmp, tmp / "blank.txt")


def empty_folder(tmp: Path) -> list[str]:
    (tmp / "interviews").mkdir()
    return _code(tmp, tmp / "interviews")


def folder_of_empty_files(tmp: Path) -> list[str]:
    folder = tmp / "interviews"
    folder.mkdir()
    (folder / "a.txt").write_bytes(b"")
    (folder / "b.txt").write_bytes(b"")
    return _code(tmp, folder)


def binary_txt(tmp: Path) -> list[str]:
    (tmp / "photo.txt").write_bytes(PNG)
    return _code(tmp, tmp / "photo.txt")


def binary_in_folder(tmp: Path) -> list[str]:
    folder = tmp / "interviews"
    folder.mkdir()
    (folder / "a.txt").write_text(GOOD_TEXT)
    (folder / "scan.txt").write_bytes(PNG)
    return _code(tmp, folder)


def binary_jsonl(tmp: Path) -> list[str]:
    (tmp / "docs.jsonl").write_bytes(PNG)
    return _code(tmp, tmp / "docs.jsonl")


def undecodable_txt(tmp: Path) -> list[str]:
    # Every byte 0x80-0xff: not UTF-8, and no legacy encoding reads it as text.
    (tmp / "odd.txt").write_bytes(bytes(range(0x80, 0x100)) * 4)
    return _code(tmp, tmp / "odd.txt")


def unsupported_suffix(tmp: Path) -> list[str]:
    (tmp / "report.pdf").write_bytes(b"%PDF-1.7\n")
    return _code(tmp, tmp / "report.pdf")


def missing_input(tmp: Path) -> list[str]:
    return _code(tmp, tmp / "nowhere.jsonl")


def csv_without_text_column(tmp: Path) -> list[str]:
    (tmp / "docs.csv").write_text("id,body,coder\n1,She was sold.,kim\n", encoding="utf-8")
    return _code(tmp, tmp / "docs.csv")


def csv_without_id_column(tmp: Path) -> list[str]:
    (tmp / "docs.csv").write_text("doc,text\n1,She was sold.\n", encoding="utf-8")
    return _code(tmp, tmp / "docs.csv")


def csv_empty(tmp: Path) -> list[str]:
    (tmp / "docs.csv").write_bytes(b"")
    return _code(tmp, tmp / "docs.csv")


def csv_header_only(tmp: Path) -> list[str]:
    (tmp / "docs.csv").write_text("id,text\n", encoding="utf-8")
    return _code(tmp, tmp / "docs.csv")


def csv_duplicate_ids(tmp: Path) -> list[str]:
    (tmp / "docs.csv").write_text("id,text\n7,one\n8,two\n7,three\n", encoding="utf-8")
    return _code(tmp, tmp / "docs.csv")


def jsonl_malformed_line(tmp: Path) -> list[str]:
    path = _jsonl(tmp, [_rec("a"), _rec("b"), '{"id": "c", "text": "unterminated', _rec("d")])
    return _code(tmp, path)


def jsonl_not_object(tmp: Path) -> list[str]:
    return _code(tmp, _jsonl(tmp, [_rec("a"), '["a", "list"]']))


def jsonl_missing_text(tmp: Path) -> list[str]:
    return _code(tmp, _jsonl(tmp, [json.dumps({"id": "a", "body": "x", "coder": "k"})]))


def jsonl_text_not_string(tmp: Path) -> list[str]:
    return _code(tmp, _jsonl(tmp, [_rec("a"), json.dumps({"id": "b", "text": 42})]))


def jsonl_empty_id(tmp: Path) -> list[str]:
    return _code(tmp, _jsonl(tmp, [_rec("a"), json.dumps({"id": "", "text": "x"})]))


def jsonl_duplicate_ids(tmp: Path) -> list[str]:
    return _code(tmp, _jsonl(tmp, [_rec("a"), _rec("b"), _rec("a")]))


def duplicate_ids_across_inputs(tmp: Path) -> list[str]:
    folder = tmp / "folder"
    folder.mkdir()
    (folder / "kim.txt").write_text(GOOD_TEXT)
    (tmp / "kim.txt").write_text(GOOD_TEXT)
    return _code(tmp, folder, tmp / "kim.txt")


def jsonl_empty(tmp: Path) -> list[str]:
    (tmp / "docs.jsonl").write_text("\n\n")
    return _code(tmp, tmp / "docs.jsonl")


def jsonl_invalid_utf8(tmp: Path) -> list[str]:
    path = tmp / "docs.jsonl"
    path.write_bytes(_rec("a").encode() + b'\n{"id": "b", "text": "caf\xe9"}\n')
    return _code(tmp, path)


def parquet_not_parquet(tmp: Path) -> list[str]:
    (tmp / "docs.parquet").write_text("id,text\n1,x\n")
    return _code(tmp, tmp / "docs.parquet")


def parquet_without_text(tmp: Path) -> list[str]:
    import pandas as pd

    pd.DataFrame({"id": ["1"], "body": ["x"]}).to_parquet(tmp / "docs.parquet")
    return _code(tmp, tmp / "docs.parquet")


def out_missing_folder(tmp: Path) -> list[str]:
    return _code(tmp, _good(tmp), out="missing/out.jsonl")


def out_parent_is_file(tmp: Path) -> list[str]:
    (tmp / "notes.txt").write_text("x")
    return _code(tmp, _good(tmp), out="notes.txt/out.jsonl")


def out_unwritable(tmp: Path) -> list[str]:
    locked = tmp / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    return _code(tmp, _good(tmp), out="locked/out.jsonl")


def out_exists(tmp: Path) -> list[str]:
    (tmp / "out.jsonl").write_text("previous results\n")
    return _code(tmp, _good(tmp))


def out_is_folder(tmp: Path) -> list[str]:
    (tmp / "out.jsonl").mkdir()
    return _code(tmp, _good(tmp))


def out_bad_suffix(tmp: Path) -> list[str]:
    return _code(tmp, _good(tmp), out="out.xlsx")


def resume_bad_checkpoint(tmp: Path) -> list[str]:
    (tmp / ".out.jsonl.partial").write_text("")
    (tmp / ".out.jsonl.checkpoint.json").write_text("{not json")
    return _code(tmp, _good(tmp), extra=("--resume",))


def model_dir_without_model(tmp: Path) -> list[str]:
    (tmp / "model").mkdir()
    return ["code", str(_good(tmp)), "--out", str(tmp / "out.jsonl"), "--model", str(tmp / "model")]


# Codebooks -----------------------------------------------------------------------------------


def cb_unknown_key(tmp: Path) -> Path:
    book = _codebook()
    book["codes"][0]["rules"][0]["lema"] = "sell"  # type: ignore[index]
    return _write_codebook(tmp, book)


def cb_unknown_token_key(tmp: Path) -> Path:
    book = _codebook()
    book["codes"][0]["rules"][0]["pattern"] = [{"LEMA": "sell"}]  # type: ignore[index]
    return _write_codebook(tmp, book)


def cb_invalid_pattern(tmp: Path) -> Path:
    book = _codebook()
    book["codes"][0]["rules"][0]["pattern"] = [{"LOWER": {"IN": 5}}]  # type: ignore[index]
    return _write_codebook(tmp, book)


def cb_invalid_op(tmp: Path) -> Path:
    book = _codebook()
    book["codes"][0]["rules"][0]["pattern"] = [{"LOWER": "sold", "OP": "~~"}]  # type: ignore[index]
    return _write_codebook(tmp, book)


def cb_dangling_parent(tmp: Path) -> Path:
    book = _codebook()
    book["codes"][1]["parent"] = "sael"  # type: ignore[index]
    return _write_codebook(tmp, book)


def cb_duplicate_code_ids(tmp: Path) -> Path:
    book = _codebook()
    book["codes"].append(dict(book["codes"][0], rules=[]))  # type: ignore[attr-defined,index]
    return _write_codebook(tmp, book)


def cb_duplicate_rule_ids(tmp: Path) -> Path:
    book = _codebook()
    rule = book["codes"][0]["rules"][0]  # type: ignore[index]
    book["codes"][0]["rules"].append(dict(rule))  # type: ignore[index]
    return _write_codebook(tmp, book)


def cb_python_object(tmp: Path) -> Path:
    path = tmp / "codebook.yaml"
    sentinel = tmp / "pwned"
    path.write_text(
        f"name: !!python/object/apply:os.system ['touch {sentinel}']\nversion: '1'\ncodes: []\n",
        encoding="utf-8",
    )
    return path


def cb_yaml_syntax(tmp: Path) -> Path:
    path = tmp / "codebook.yaml"
    path.write_text("name: tiny\ncodes:\n  - id: sale\n    name: [unclosed\n", encoding="utf-8")
    return path


def cb_not_mapping(tmp: Path) -> Path:
    path = tmp / "codebook.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    return path


def cb_missing(tmp: Path) -> Path:
    return tmp / "nowhere.yaml"


def cb_binary(tmp: Path) -> Path:
    path = tmp / "codebook.yaml"
    path.write_bytes(PNG)
    return path


def validate(make: Callable[[Path], Path]) -> Callable[[Path], list[str]]:
    return lambda tmp: ["codebook", "validate", str(make(tmp))]


def code_with(make: Callable[[Path], Path]) -> Callable[[Path], list[str]]:
    def build(tmp: Path) -> list[str]:
        book = make(tmp)
        return [*_code(tmp, _good(tmp)), "--codebook", str(book)]

    return build


# ingest ----------------------------------------------------------------------------------------


def ingest_empty(tmp: Path) -> list[str]:
    (tmp / "report.txt").write_bytes(b"")
    return ["ingest", str(tmp / "report.txt"), "--out", str(tmp / "out.jsonl")]


def ingest_binary(tmp: Path) -> list[str]:
    (tmp / "report.txt").write_bytes(PNG)
    return ["ingest", str(tmp / "report.txt"), "--out", str(tmp / "out.jsonl")]


def ingest_no_headers(tmp: Path) -> list[str]:
    (tmp / "report.txt").write_text("Chapter 1\n\nSome prose without any testimony.\n")
    return ["ingest", str(tmp / "report.txt"), "--out", str(tmp / "out.jsonl")]


def ingest_missing(tmp: Path) -> list[str]:
    return ["ingest", str(tmp / "report.txt"), "--out", str(tmp / "out.jsonl")]


def _report(tmp: Path) -> Path:
    path = tmp / "report.txt"
    path.write_text("Ms. Kim from Hoeryong City\nA broker sold me to a farmer.\n", encoding="utf-8")
    return path


def ingest_bad_out_suffix(tmp: Path) -> list[str]:
    return ["ingest", str(_report(tmp)), "--out", str(tmp / "out.csv")]


def ingest_out_missing_folder(tmp: Path) -> list[str]:
    return ["ingest", str(_report(tmp)), "--out", str(tmp / "missing" / "out.jsonl")]


def ingest_out_exists(tmp: Path) -> list[str]:
    (tmp / "out.jsonl").write_text("previous\n")
    return ["ingest", str(_report(tmp)), "--out", str(tmp / "out.jsonl")]


# train / audit (other branches) ----------------------------------------------------------------


def train_on(make: Callable[[Path], Path]) -> Callable[[Path], list[str]]:
    return lambda tmp: ["train", str(make(tmp)), "--out", str(tmp / "model")]


def audit_on(make: Callable[[Path], Path]) -> Callable[[Path], list[str]]:
    return lambda tmp: ["audit", str(make(tmp)), "--out", str(tmp / "audit")]


def f_empty_jsonl(tmp: Path) -> Path:
    (tmp / "data.jsonl").write_bytes(b"")
    return tmp / "data.jsonl"


def f_malformed_jsonl(tmp: Path) -> Path:
    rows = [json.dumps({"id": "a", "text": GOOD_TEXT, "codes": ["sale"]}), "{broken"]
    return _jsonl(tmp, rows, name="data.jsonl")


def f_binary_jsonl(tmp: Path) -> Path:
    (tmp / "data.jsonl").write_bytes(PNG)
    return tmp / "data.jsonl"


def f_missing(tmp: Path) -> Path:
    return tmp / "data.jsonl"


def f_csv_no_text(tmp: Path) -> Path:
    (tmp / "data.csv").write_text("id,body,codes\n1,x,sale\n")
    return tmp / "data.csv"


def f_annotations_no_doc_id(tmp: Path) -> Path:
    (tmp / "annotations.csv").write_text("document,coder,code\n1,kim,sale\n")
    return tmp / "annotations.csv"


def f_malformed_annotations(tmp: Path) -> Path:
    rows = [json.dumps({"doc_id": "a", "coder": "kim", "code": "sale"}), "{broken"]
    return _jsonl(tmp, rows, name="annotations.jsonl")


def f_quote_only_spans(tmp: Path) -> Path:
    span = {"quote": "sold me", "code": "sale", "status": "asserted"}
    rows = [json.dumps({"id": "a", "spans": []}), json.dumps({"id": "b", "spans": [span]})]
    return _jsonl(tmp, rows, name="coder2.jsonl")


def f_qdpx_not_zip(tmp: Path) -> Path:
    (tmp / "project.qdpx").write_text("this is not a zip archive")
    return tmp / "project.qdpx"


def f_qdpx_no_project(tmp: Path) -> Path:
    with zipfile.ZipFile(tmp / "project.qdpx", "w") as zf:
        zf.writestr("sources/a.txt", GOOD_TEXT)
    return tmp / "project.qdpx"


# Models (other branch): a model trained under another codebook, truncated, or tampered --------


def _trained_model(tmp: Path, codebook: Path | None = None) -> Path:
    data = _jsonl(
        tmp,
        [
            json.dumps(
                {
                    "id": f"d{i}",
                    "text": GOOD_TEXT if i % 2 else "We ate rice.",
                    "codes": ["sale"] if i % 2 else [],
                }
            )
            for i in range(40)
        ],
        name="train.jsonl",
    )
    args = ["train", str(data), "--out", str(tmp / "model"), "--folds", "2"]
    if codebook is not None:
        args += ["--codebook", str(codebook)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data.unlink()
    return tmp / "model"


def _model_file(model: Path) -> Path:
    files = sorted(model.glob("*.npz")) or sorted(p for p in model.iterdir() if p.is_file())
    return max(files, key=lambda p: p.stat().st_size)


def model_other_codebook(tmp: Path) -> list[str]:
    model = _trained_model(tmp, _write_codebook(tmp, _codebook(name="other"), "other.yaml"))
    return ["code", str(_good(tmp)), "--out", str(tmp / "out.jsonl"), "--model", str(model)]


def model_truncated(tmp: Path) -> list[str]:
    model = _trained_model(tmp)
    target = _model_file(model)
    target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    return ["code", str(_good(tmp)), "--out", str(tmp / "out.jsonl"), "--model", str(model)]


def model_tampered(tmp: Path) -> list[str]:
    model = _trained_model(tmp)
    target = _model_file(model)
    data = bytearray(target.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 16] = b"\xff" * 16
    target.write_bytes(bytes(data))
    return ["code", str(_good(tmp)), "--out", str(tmp / "out.jsonl"), "--model", str(model)]


# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[Path], list[str]]
    expect: tuple[str, ...]
    needs: tuple[str, ...] = ()  # commands that must be registered
    needs_qdpx: bool = False
    needs_model: bool = False
    as_root_ok: bool = True


CB = "codebook.yaml"
CASES = [
    # code: files and folders
    Case("code-empty-txt", empty_txt, ("empty.txt", "empty")),
    Case("code-whitespace-txt", whitespace_txt, ("blank.txt", "empty")),
    Case("code-empty-folder", empty_folder, ("interviews", "no .txt files")),
    Case("code-folder-all-empty", folder_of_empty_files, ("interviews", "empty")),
    Case("code-binary-txt", binary_txt, ("photo.txt", "binary")),
    Case("code-binary-in-folder", binary_in_folder, ("scan.txt", "binary")),
    Case("code-binary-jsonl", binary_jsonl, ("docs.jsonl", "binary")),
    Case("code-undecodable-txt", undecodable_txt, ("odd.txt", "UTF-8")),
    Case("code-unsupported-suffix", unsupported_suffix, ("report.pdf", "unsupported")),
    Case("code-missing-input", missing_input, ("nowhere.jsonl", "no such file")),
    # code: tables
    Case(
        "code-csv-no-text-column",
        csv_without_text_column,
        ("docs.csv", "'text'", "id, body, coder"),
    ),
    Case("code-csv-no-id-column", csv_without_id_column, ("docs.csv", "'id'", "doc, text")),
    Case("code-csv-empty", csv_empty, ("docs.csv", "empty")),
    Case("code-csv-header-only", csv_header_only, ("docs.csv", "no documents")),
    Case("code-csv-duplicate-ids", csv_duplicate_ids, ("docs.csv", "duplicate", "'7'")),
    Case("code-jsonl-malformed-line", jsonl_malformed_line, ("docs.jsonl:3", "--skip-bad-lines")),
    Case("code-jsonl-not-object", jsonl_not_object, ("docs.jsonl:2", "JSON object")),
    Case("code-jsonl-missing-text", jsonl_missing_text, ("docs.jsonl:1", "'text'", "body")),
    Case("code-jsonl-text-not-string", jsonl_text_not_string, ("docs.jsonl:2", "string")),
    Case("code-jsonl-empty-id", jsonl_empty_id, ("docs.jsonl:2", "id")),
    Case("code-jsonl-duplicate-ids", jsonl_duplicate_ids, ("docs.jsonl", "duplicate", "'a'")),
    Case("code-duplicate-across-inputs", duplicate_ids_across_inputs, ("kim.txt", "duplicate")),
    Case("code-jsonl-blank", jsonl_empty, ("docs.jsonl", "no JSON records")),
    Case("code-jsonl-invalid-utf8", jsonl_invalid_utf8, ("docs.jsonl:2",)),
    Case("code-parquet-not-parquet", parquet_not_parquet, ("docs.parquet", "Parquet")),
    Case("code-parquet-no-text", parquet_without_text, ("docs.parquet", "'text'", "id, body")),
    # code: outputs
    Case("code-out-missing-folder", out_missing_folder, ("missing", "does not exist")),
    Case("code-out-parent-is-file", out_parent_is_file, ("notes.txt", "not a folder")),
    Case("code-out-unwritable", out_unwritable, ("locked", "not writable"), as_root_ok=False),
    Case("code-out-exists", out_exists, ("out.jsonl", "--force")),
    Case("code-out-is-folder", out_is_folder, ("out.jsonl", "folder")),
    Case("code-out-bad-suffix", out_bad_suffix, ("out.xlsx", "unsupported output")),
    Case("code-resume-bad-checkpoint", resume_bad_checkpoint, ("checkpoint", "--resume")),
    Case("code-model-dir-empty", model_dir_without_model, ("model", "model.npz")),
    # codebooks, through `codebook validate` and `code --codebook`
    Case(
        "validate-unknown-key", validate(cb_unknown_key), (CB, "unknown key 'lema'", "rules -> 0")
    ),
    Case("validate-unknown-token-key", validate(cb_unknown_token_key), (CB, "'LEMA'")),
    Case("validate-invalid-pattern", validate(cb_invalid_pattern), (CB, "invalid spaCy pattern")),
    Case("validate-invalid-op", validate(cb_invalid_op), (CB, "pattern")),
    Case("validate-dangling-parent", validate(cb_dangling_parent), (CB, "parent", "'sael'")),
    Case("validate-duplicate-code-ids", validate(cb_duplicate_code_ids), (CB, "duplicate code id")),
    Case("validate-duplicate-rule-ids", validate(cb_duplicate_rule_ids), (CB, "duplicate rule id")),
    Case("validate-python-object", validate(cb_python_object), (CB,)),
    Case("validate-yaml-syntax", validate(cb_yaml_syntax), (CB, "line")),
    Case("validate-not-mapping", validate(cb_not_mapping), (CB, "mapping")),
    Case("validate-missing", validate(cb_missing), ("nowhere.yaml", "not found")),
    Case("validate-binary", validate(cb_binary), (CB,)),
    Case("code-codebook-unknown-key", code_with(cb_unknown_key), (CB, "unknown key 'lema'")),
    Case("code-codebook-invalid-pattern", code_with(cb_invalid_pattern), (CB, "spaCy pattern")),
    Case("code-codebook-dangling-parent", code_with(cb_dangling_parent), (CB, "'sael'")),
    Case("code-codebook-python-object", code_with(cb_python_object), (CB,)),
    # ingest
    Case("ingest-empty", ingest_empty, ("report.txt", "empty")),
    Case("ingest-binary", ingest_binary, ("report.txt", "binary")),
    Case("ingest-no-headers", ingest_no_headers, ("report.txt", "no testimony headers")),
    Case("ingest-missing", ingest_missing, ("report.txt", "no such file")),
    Case("ingest-bad-out-suffix", ingest_bad_out_suffix, ("out.csv", ".jsonl")),
    Case("ingest-out-missing-folder", ingest_out_missing_folder, ("missing", "does not exist")),
    Case("ingest-out-exists", ingest_out_exists, ("out.jsonl", "--force")),
    # train (issue 4) and audit (issue 5): their own branches; rows run once merged
    Case("train-empty", train_on(f_empty_jsonl), ("data.jsonl",), needs=("train",)),
    Case(
        "train-malformed-line", train_on(f_malformed_jsonl), ("data.jsonl", "2"), needs=("train",)
    ),
    Case("train-binary", train_on(f_binary_jsonl), ("data.jsonl",), needs=("train",)),
    Case("train-missing", train_on(f_missing), ("data.jsonl",), needs=("train",)),
    Case("train-csv-no-text", train_on(f_csv_no_text), ("data.csv", "text"), needs=("train",)),
    Case("audit-empty", audit_on(f_empty_jsonl), ("data.jsonl",), needs=("audit",)),
    Case("audit-missing", audit_on(f_missing), ("data.jsonl",), needs=("audit",)),
    Case(
        "audit-no-doc-id",
        audit_on(f_annotations_no_doc_id),
        ("annotations.csv", "doc_id"),
        needs=("audit",),
    ),
    Case(
        "audit-malformed-line",
        audit_on(f_malformed_annotations),
        ("annotations.jsonl", "2"),
        needs=("audit",),
    ),
    Case(
        "audit-quote-only-spans",
        audit_on(f_quote_only_spans),
        ("coder2.jsonl:2", "'b'", "start"),
        needs=("audit",),
    ),
    # .qdpx projects (issue 6)
    Case(
        "audit-qdpx-not-zip",
        audit_on(f_qdpx_not_zip),
        ("project.qdpx",),
        needs=("audit",),
        needs_qdpx=True,
    ),
    Case(
        "audit-qdpx-no-project",
        audit_on(f_qdpx_no_project),
        ("project.qdpx", "project.qde"),
        needs=("audit",),
        needs_qdpx=True,
    ),
    Case(
        "train-qdpx-not-zip",
        train_on(f_qdpx_not_zip),
        ("project.qdpx",),
        needs=("train",),
        needs_qdpx=True,
    ),
    Case(
        "train-qdpx-no-project",
        train_on(f_qdpx_no_project),
        ("project.qdpx", "project.qde"),
        needs=("train",),
        needs_qdpx=True,
    ),
    # models (issue 4)
    Case(
        "code-model-other-codebook",
        model_other_codebook,
        ("model", "codebook"),
        needs=("train",),
        needs_model=True,
    ),
    Case("code-model-truncated", model_truncated, ("model",), needs=("train",), needs_model=True),
    Case("code-model-tampered", model_tampered, ("model",), needs=("train",), needs_model=True),
]


def _params() -> list[object]:
    out = []
    for case in CASES:
        marks = []
        missing = [c for c in case.needs if not registered(c)]
        if missing:
            marks.append(pytest.mark.skip(reason=f"command {missing} not registered yet"))
        if case.needs_qdpx and not qdpx_reader_exists():
            marks.append(pytest.mark.skip(reason="the .qdpx reader is not merged yet"))
        if case.needs_model and not module_exists("testimonycoder.model"):
            marks.append(pytest.mark.skip(reason="testimonycoder.model is not merged yet"))
        if not case.as_root_ok and hasattr(os, "geteuid") and os.geteuid() == 0:
            marks.append(pytest.mark.skip(reason="root ignores folder permissions"))
        out.append(pytest.param(case, id=case.id, marks=marks))
    return out


def _snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` (hidden ones too) with a hash of its content."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_at_least_thirty_rows() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", _params())
def test_bad_input(case: Case, tmp_path: Path, offline_env: None) -> None:
    args = case.build(tmp_path)
    before = _snapshot(tmp_path)

    result = runner.invoke(app, args)

    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)  # no crash
    assert "Traceback" not in result.output + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    for fragment in case.expect:
        assert fragment in errors[0], f"{fragment!r} not in {errors[0]!r}"
    assert _snapshot(tmp_path) == before, "the failed run left or changed files"
    assert not (tmp_path / "pwned").exists()  # a YAML payload never runs
    if (tmp_path / "locked").exists():
        (tmp_path / "locked").chmod(0o700)


# ---------------------------------------------------------------------------------------------
# Awkward but valid input: coded, with a warning where something was skipped.


def _records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _check_evidence(records: list[dict[str, object]], texts: dict[str, str]) -> int:
    n = 0
    for rec in records:
        text = texts[str(rec["id"])]
        for ev in rec["evidence"]:  # type: ignore[attr-defined]
            assert 0 <= ev["start"] < ev["end"] <= len(text)
            assert text[ev["start"] : ev["end"]] == ev["text"]
            n += 1
    return n


def test_zero_byte_txt_among_good_ones_is_skipped_with_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "interviews"
    folder.mkdir()
    (folder / "a.txt").write_text(GOOD_TEXT)
    (folder / "b.txt").write_bytes(b"")
    (folder / "c.txt").write_text(GOOD_TEXT)
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["code", str(folder), "--out", str(out), "--rules-only"])
    assert result.exit_code == 0, result.stderr
    assert "warning:" in result.stderr and "b.txt" in result.stderr
    assert [r["id"] for r in _records(out)] == ["a", "c"]


def test_cp949_and_euc_kr_korean_text_is_decoded(tmp_path: Path) -> None:
    korean = (
        "면담자: 무슨 일이 있었나요?\n김씨: 브로커가 저를 중국 농부에게 팔았습니다. I was sold.\n"
    )
    (tmp_path / "cp949.txt").write_bytes(korean.encode("cp949"))
    (tmp_path / "euckr.txt").write_bytes(korean.encode("euc_kr"))
    out = tmp_path / "out.jsonl"
    args = ["code", str(tmp_path / "cp949.txt"), str(tmp_path / "euckr.txt"), "--out", str(out)]
    result = runner.invoke(app, [*args, "--rules-only"])
    assert result.exit_code == 0, result.stderr
    records = _records(out)
    assert [r["id"] for r in records] == ["cp949", "euckr"]
    assert _check_evidence(records, {"cp949": korean, "euckr": korean}) >= 2
    assert all("sale" in r["codes"] for r in records)


def test_bom_and_crlf_offsets_point_into_the_text(tmp_path: Path) -> None:
    text = (
        "Interviewer: What happened?\r\nRespondent: A broker sold me.\r\n\r\n"
        "They sold me again.\r\n"
    )
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    out = tmp_path / "out.jsonl"
    result = runner.invoke(
        app, ["code", str(tmp_path / "bom.txt"), "--out", str(out), "--rules-only"]
    )
    assert result.exit_code == 0, result.stderr
    records = _records(out)
    # The BOM is not part of the text; CRLF is kept, so offsets index the file's own characters.
    assert _check_evidence(records, {"bom": text}) >= 2
    sold = [e for e in records[0]["evidence"] if e["code"] == "sale"]  # type: ignore[union-attr]
    assert [text.index("sold me."), text.index("sold me again")] == [e["start"] for e in sold]


def test_skip_bad_lines_goes_on_and_names_the_line(tmp_path: Path) -> None:
    path = _jsonl(tmp_path, [_rec("a"), "{broken", _rec("c")])
    out = tmp_path / "out.jsonl"
    args = ["code", str(path), "--out", str(out), "--rules-only", "--skip-bad-lines"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert "docs.jsonl:2" in result.stderr and "skipped" in result.stderr
    assert [r["id"] for r in _records(out)] == ["a", "c"]


@pytest.mark.slow
def test_a_large_single_document(tmp_path: Path) -> None:
    """A long transcript is coded, not refused (a 20 MB one with TESTIMONYCODER_HUGE=1)."""
    size = 20_000_000 if os.environ.get("TESTIMONYCODER_HUGE") else 2_000_000
    paragraph = (
        "Interviewer: What happened next?\n"
        "Respondent: A broker promised me a job in a restaurant, but it was a trick. "
        "He sold me to a farmer for 20,000 yuan. I did not want to marry him.\n\n"
    )
    text = (paragraph * (size // len(paragraph) + 1))[:size]
    (tmp_path / "long.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(
        app, ["code", str(tmp_path / "long.txt"), "--out", str(out), "--rules-only"]
    )
    assert result.exit_code == 0, result.stderr
    (record,) = _records(out)
    assert {"coercion", "sale"} <= set(record["codes"])  # type: ignore[arg-type]
    assert _check_evidence([record], {"long": text}) > size // len(paragraph)
