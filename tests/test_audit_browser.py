"""report.html in headless chromium (Debian): it renders, shows charts, logs no console errors."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from testimonycoder.audit import run_audit

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]  # fmt: skip
TEXTS = {
    "d1": "They sold me to a man in the village for money.",
    "d2": "A broker offered me work in a restaurant. <b>not markup</b> & it was a trick.",
    "d3": "I lived with my aunt and worked in her shop.",
}


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    return subprocess.run(
        [CHROMIUM or "chromium", *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.fixture
def report(tmp_path: Path) -> Path:
    rows = [
        {"doc_id": "d1", "coder": "anna", "code": "sale", "start": 5, "end": 12},
        {"doc_id": "d1", "coder": "ben", "code": "sale", "start": 5, "end": 30},
        {"doc_id": "d2", "coder": "anna", "code": "coercion", "start": 2, "end": 40},
        {"doc_id": "d2", "coder": "ben", "code": ""},
        {"doc_id": "d3", "coder": "anna", "code": ""},
        {"doc_id": "d3", "coder": "ben", "code": "sale", "start": 0, "end": 10},
    ]
    out = tmp_path / "audit"
    run_audit(pd.DataFrame(rows), TEXTS, out_dir=out, n_boot=200)
    return out / "report.html"


def test_report_is_self_contained(report: Path) -> None:
    html = report.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert "@import" not in html and "<link" not in html
    assert "&lt;b&gt;not markup&lt;/b&gt;" in html  # testimony text is escaped


def test_report_renders_in_chromium(report: Path, tmp_path: Path) -> None:
    dom = _chromium(tmp_path, "--enable-logging=stderr", "--v=0", "--dump-dom", report.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    console = [line for line in dom.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], console
    html = dom.stdout
    assert 'data-ready="1"' in html  # the inline script ran to the end
    assert html.count('<rect class="bar"') >= 2  # alpha bars (document + segment)
    assert 'id="pair-chart"' in html and html.count('<rect class="cell"') == 4
    assert html.count('class="dis"') == 2 and "<mark" in html
    shot = tmp_path / "report.png"
    snap = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,1600", report.as_uri())
    assert snap.returncode == 0, snap.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a drawn page, not blank
