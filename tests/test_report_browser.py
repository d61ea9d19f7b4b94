"""The HTML report in headless Debian chromium: it renders, charts are drawn, no console errors.

The screenshot is kept under the test's tmp_path (CI can collect it as an artefact). Skipped
only when chromium is not installed (``apt-get install -y chromium``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import html as lxml_html

from testimonycoder.report import build_report
from testimonycoder.report_html import render_html
from tests.test_report import RECORDS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="chromium is not installed (apt-get install -y chromium); the HTML report "
        "cannot be checked in a browser",
    ),
]


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def page(tmp_path: Path) -> Path:
    import json

    coded = tmp_path / "coded.jsonl"
    coded.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    out = tmp_path / "report.html"
    out.write_text(render_html(build_report(coded)), encoding="utf-8")
    return out


def test_renders_with_charts(page: Path, tmp_path: Path) -> None:
    dump = _chromium(tmp_path, "--dump-dom", page.as_uri())
    assert dump.returncode == 0, dump.stderr[-2000:]
    tree = lxml_html.fromstring(dump.stdout)
    svgs = tree.xpath("//*[local-name()='svg']")
    assert len(svgs) >= 5
    for svg in svgs:
        shapes = svg.xpath(".//*[local-name()='rect' or local-name()='text']")
        assert shapes, "an empty chart"
        assert float(svg.get("width")) > 0 and float(svg.get("height")) > 0
    bars = tree.xpath("//*[local-name()='rect'][@width > 1]")
    assert len(bars) >= 10
    assert tree.xpath("//h1")[0].text_content() == "Corpus report"


def test_no_console_errors_and_screenshot(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    run = _chromium(
        tmp_path,
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1100,1600",
        f"--screenshot={shot}",
        page.as_uri(),
    )
    assert run.returncode == 0, run.stderr[-2000:]
    # The page has no scripts, so any console message at all (console.error logs as INFO) is
    # a problem: a CSP or resource error, or injected script.
    console = [line for line in run.stderr.splitlines() if re.search(r":CONSOLE[:(]", line)]
    assert console == [], console
    # Network attempts from the page would show as failed loads in the log.
    assert "net::ERR" not in run.stderr
    assert shot.exists() and shot.stat().st_size > 10_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
