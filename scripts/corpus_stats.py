"""Print the label statistics quoted in the corpus datasheet (corpus/README.md).

Usage: python scripts/corpus_stats.py            print the statistics (markdown)
       python scripts/corpus_stats.py --write    also rewrite the block between the
                                                 <!-- stats --> markers of corpus/README.md
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODES = ["coercion", "abduction", "sale", "prostitution", "cybersex", "forced_marriage"]
SPLITS = ["train", "validation", "test", "unseen"]
NON_ASSERTED = ["negated", "refused", "threatened", "attempted", "hypothetical", "hearsay"]


def load(split: str) -> list[dict]:
    path = ROOT / "corpus" / f"{split}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def stats() -> str:
    data = {s: load(s) for s in SPLITS}
    everything = [d for s in SPLITS for d in data[s]]
    out = ["| | " + " | ".join(SPLITS) + " | all |", "|---|" + "---|" * (len(SPLITS) + 1)]

    def row(label: str, fn) -> None:  # type: ignore[no-untyped-def]
        vals = [fn(data[s]) for s in SPLITS] + [fn(everything)]
        out.append(f"| {label} | " + " | ".join(str(v) for v in vals) + " |")

    row("documents", len)
    row("words", lambda ds: sum(len(d["text"].split()) for d in ds))
    for code in CODES:
        row(f"documents with `{code}`", lambda ds, c=code: sum(c in d["codes"] for d in ds))
    row("documents with no code", lambda ds: sum(not d["codes"] for d in ds))
    row(
        "no code, with near-miss spans",
        lambda ds: sum(
            (not d["codes"]) and any(s["status"] in NON_ASSERTED for s in d["spans"]) for d in ds
        ),
    )
    row(
        "with a near-miss span",
        lambda ds: sum(any(s["status"] in NON_ASSERTED for s in d["spans"]) for d in ds),
    )
    for genre in ["report_excerpt", "case_note", "transcript", "field_note"]:
        row(f"genre `{genre}`", lambda ds, g=genre: sum(d["genre"] == g for d in ds))
    row(
        "transcripts of 400-2,000 words",
        lambda ds: sum(
            d["genre"] == "transcript" and 400 <= len(d["text"].split()) <= 2000 for d in ds
        ),
    )
    status = Counter(s["status"] for d in everything for s in d["spans"])
    experiencer = Counter(s["experiencer"] for d in everything for s in d["spans"])
    subcodes = Counter(sc for d in everything for sc in d["subcodes"])
    out.append("")
    out.append("Spans by status: " + ", ".join(f"{k} {v}" for k, v in sorted(status.items())))
    out.append("")
    out.append(
        "Spans by experiencer: " + ", ".join(f"{k} {v}" for k, v in sorted(experiencer.items()))
    )
    out.append("")
    out.append(
        "Documents by sub-code: " + ", ".join(f"{k} {v}" for k, v in sorted(subcodes.items()))
    )
    return "\n".join(out) + "\n"


def main() -> int:
    text = stats()
    print(text)
    if "--write" in sys.argv:
        card = ROOT / "corpus" / "README.md"
        content = card.read_text(encoding="utf-8")
        head, _, rest = content.partition("<!-- stats -->")
        _, _, tail = rest.partition("<!-- /stats -->")
        card.write_text(f"{head}<!-- stats -->\n{text}<!-- /stats -->{tail}", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
