"""Regenerate docs/report-example.png: one chart of the corpus report on corpus/samples.

    testimonycoder code corpus/samples --out /tmp/x.jsonl --rules-only --force
    python scripts/make_report_example.py /tmp/x.jsonl docs/report-example.png

Needs Debian's chromium (``apt-get install -y chromium``); runs it headless and offline.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

from testimonycoder.report import build_report
from testimonycoder.report_html import render_html

CHART = "Share of pathway codings"


def main(coded: str, png: str) -> None:
    html = render_html(build_report(Path(coded)))
    svg = next(s for s in re.findall(r"<svg.*?</svg>", html, re.S) if CHART in s)
    width, height = (int(v) for v in re.search(r'width="(\d+)" height="(\d+)"', svg).groups())
    page = f"<!DOCTYPE html><html><body style='margin:16px;background:#fff'>{svg}</body></html>"
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "chart.html"
        src.write_text(page, encoding="utf-8")
        subprocess.run(
            [
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                f"--user-data-dir={tmp}/profile",
                "--hide-scrollbars",
                f"--window-size={width + 32},{height + 32}",
                f"--screenshot={Path(png).resolve()}",
                src.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
