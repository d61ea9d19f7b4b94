"""The Dask engine on a 2-worker LocalCluster gives exactly the local engine's output."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from testimonycoder.cli.main import app
from testimonycoder.coding import code_documents
from testimonycoder.errors import TestimonyCoderError
from testimonycoder.pipeline import build_nlp
from testimonycoder.resources import default_codebook_path
from tests._texts import documents

pytest.importorskip("distributed")
pytestmark = pytest.mark.slow


def test_dask_matches_local_engine() -> None:
    from testimonycoder.distributed import code_documents_dask

    local = [c.to_dict() for c in code_documents(documents(), nlp=build_nlp(), batch_size=4)]
    dask = [
        c.to_dict()
        for c in code_documents_dask(
            iter(documents()),
            codebook_path=default_codebook_path(),
            model=None,
            batch_size=4,
            scheduler=None,
            n_workers=2,
        )
    ]
    assert [r["id"] for r in dask] == [d.id for d in documents()]
    assert dask == local
    assert any(r["codes"] for r in dask)


def test_cli_engine_dask_writes_the_same_jsonl(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        "".join(json.dumps({"id": d.id, "text": d.text}) + "\n" for d in documents(25)),
        encoding="utf-8",
    )
    runner = CliRunner()
    outs = {}
    for engine in ("local", "dask"):
        out = tmp_path / f"{engine}.jsonl"
        result = runner.invoke(
            app,
            [
                "code",
                str(corpus),
                "--out",
                str(out),
                "--rules-only",
                "--engine",
                engine,
                "--batch-size",
                "4",
            ],
        )
        assert result.exit_code == 0, result.output
        outs[engine] = out.read_bytes()
    assert outs["dask"] == outs["local"]
    assert outs["local"].count(b"\n") == 25


def test_missing_dask_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from testimonycoder.distributed import code_documents_dask

    monkeypatch.setitem(sys.modules, "distributed", None)  # makes `import distributed` fail
    with pytest.raises(TestimonyCoderError, match=r"pip install .*testimonycoder\[dask\]"):
        next(
            code_documents_dask(
                iter(documents(2)), codebook_path=None, model=None, batch_size=2, scheduler=None
            )
        )


def test_unreachable_scheduler_is_a_clear_error() -> None:
    from testimonycoder.distributed import code_documents_dask

    with pytest.raises(TestimonyCoderError, match="cannot reach the Dask scheduler"):
        next(
            code_documents_dask(
                iter(documents(2)),
                codebook_path=None,
                model=None,
                batch_size=2,
                scheduler="tcp://127.0.0.1:1",
            )
        )
