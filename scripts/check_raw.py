"""Check a raw corpus file written by a corpus author (quotes instead of offsets).

Usage: python scripts/check_raw.py corpus/raw/<file>.jsonl

Each line: {"id", "genre", "text", "subcodes", "spans": [{"quote", "code", "status",
"experiencer", "occurrence"?}]}. Prints every problem and a label summary.
"""

from __future__ import annotations

import collections
import json
import re
import sys

CODES = {"coercion", "abduction", "sale", "prostitution", "cybersex", "forced_marriage"}
SUBCODES = {
    "coercion.north_korea",
    "coercion.china",
    "abduction.china",
    "sale.broker",
    "sale.police_official",
    "sale.citizen",
}
STATUSES = {"asserted", "negated", "refused", "threatened", "attempted", "hypothetical", "hearsay"}
EXPERIENCERS = {"self", "other", "general"}
GENRES = {"report_excerpt", "case_note", "transcript", "field_note"}
QUESTION_TURN = re.compile(r"^(Interviewer|Q|INT|I)\s*:", re.M)


def check(path: str) -> int:
    problems = 0
    counts: collections.Counter[str] = collections.Counter()
    genres: collections.Counter[str] = collections.Counter()
    no_code = 0
    ids = set()
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                print(f"{path}:{lineno}: bad JSON: {exc}")
                problems += 1
                continue
            rid = rec.get("id")
            where = f"{path}:{lineno} ({rid})"
            if rid in ids:
                print(f"{where}: duplicate id")
                problems += 1
            ids.add(rid)
            extra = set(rec) - {"id", "genre", "text", "subcodes", "spans"}
            if extra:
                print(f"{where}: unknown keys {sorted(extra)}")
                problems += 1
            text = rec.get("text", "")
            if rec.get("genre") not in GENRES:
                print(f"{where}: genre must be one of {sorted(GENRES)}")
                problems += 1
            genres[rec.get("genre")] += 1
            asserted = set()
            for i, span in enumerate(rec.get("spans", [])):
                quote = span.get("quote", "")
                occ = span.get("occurrence", 1)
                pos = -1
                for _ in range(occ):
                    pos = text.find(quote, pos + 1)
                    if pos < 0:
                        break
                if not quote or pos < 0:
                    print(f"{where}: span {i} quote not found verbatim: {quote!r}")
                    problems += 1
                if span.get("code") not in CODES:
                    print(f"{where}: span {i} bad code {span.get('code')!r}")
                    problems += 1
                if span.get("status") not in STATUSES:
                    print(f"{where}: span {i} bad status {span.get('status')!r}")
                    problems += 1
                if span.get("experiencer") not in EXPERIENCERS:
                    print(f"{where}: span {i} bad experiencer {span.get('experiencer')!r}")
                    problems += 1
                if span.get("status") == "asserted":
                    asserted.add(span.get("code"))
                if pos >= 0 and rec.get("genre") == "transcript":
                    line_start = text.rfind("\n", 0, pos) + 1
                    if QUESTION_TURN.match(text, line_start):
                        print(f"{where}: span {i} lies in an interviewer turn")
                        problems += 1
            for sub in rec.get("subcodes", []):
                if sub not in SUBCODES:
                    print(f"{where}: bad subcode {sub!r}")
                    problems += 1
                elif sub.split(".")[0] not in asserted:
                    print(f"{where}: subcode {sub} without an asserted {sub.split('.')[0]} span")
                    problems += 1
            counts.update(asserted)
            if not asserted:
                no_code += 1
            if rec.get("genre") == "transcript":
                words = len(text.split())
                # Excerpts of a few turns are transcripts too (published reports quote them);
                # only a whole interview longer than a document should be is refused.
                if words > 2000:
                    print(f"{where}: transcript has {words} words (at most 2000; split it)")
                    problems += 1
    print(f"documents: {len(ids)}  genres: {dict(genres)}")
    print(f"documents per asserted code: {dict(counts)}  with no asserted code: {no_code}")
    print(f"problems: {problems}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(max(check(p) for p in sys.argv[1:]))
