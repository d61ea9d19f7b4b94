"""Apply adjudicated label decisions to the authors' raw files in corpus/raw/.

Each line of a decisions file answers one item of ``scripts/flag_label_errors.py``::

    {"item": 12, "id": "ag-0031", "code": "coercion", "verdict": "correct" | "wrong" | "unsure",
     "reason": "...", "changes": [...]}

Only ``wrong`` verdicts change anything. Their ``changes`` are, in order:

* ``{"span": i, "status": s}``: the record's span ``i`` (its index among all the record's spans,
  as in the items file) gets status ``s``, or is removed with ``"drop"``;
* ``{"quote": q, "status": s, "experiencer": e}``: a new span of the item's code (``q`` must be
  an exact substring of the text; its first occurrence is meant);
* ``{"subcode_add": c}`` / ``{"subcode_remove": c}``.

A sub-code whose parent code no longer has an asserted span is removed. The script refuses the
whole file (and writes nothing) if a decision does not flip the label it was given for: a
removed code that keeps an asserted span, an added one without any, a quote not in the text, or
a span index of another code. Records other than the changed ones are left byte for byte.
Rebuild the splits with ``python scripts/build_corpus.py`` afterwards.

Usage: python scripts/apply_label_decisions.py DECISIONS.jsonl [...] [--dry-run]
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path

from check_raw import EXPERIENCERS, STATUSES  # the raw format's vocabularies, in one place

RAW = Path(__file__).resolve().parent.parent / "corpus" / "raw"


def apply(rec: dict, decision: dict) -> dict:
    """``rec`` with the decision's changes, or ValueError naming what is wrong."""
    code = decision["code"]
    rec = json.loads(json.dumps(rec))
    coded = any(s["code"] == code and s["status"] == "asserted" for s in rec["spans"])
    drop: set[int] = set()
    for change in decision.get("changes", []):
        if "span" in change:
            i = change["span"]
            if not 0 <= i < len(rec["spans"]) or rec["spans"][i]["code"] != code:
                raise ValueError(f"span {i} is not a span of {code}")
            if change["status"] == "drop":
                drop.add(i)
            elif change["status"] in STATUSES:
                rec["spans"][i]["status"] = change["status"]
            else:
                raise ValueError(f"unknown status {change['status']!r}")
        elif "quote" in change:
            if change["quote"] not in rec["text"]:
                raise ValueError(f"quote not in the text: {change['quote'][:60]!r}")
            status, experiencer = change.get("status"), change.get("experiencer")
            if status not in STATUSES or experiencer not in EXPERIENCERS:
                raise ValueError("a new span needs a status and an experiencer")
            rec["spans"].append(
                {
                    "quote": change["quote"],
                    "code": code,
                    "status": change["status"],
                    "experiencer": change["experiencer"],
                }
            )
        elif "subcode_add" in change:
            if change["subcode_add"].split(".")[0] != code:
                raise ValueError(f"sub-code {change['subcode_add']} is not of {code}")
            if change["subcode_add"] not in rec.get("subcodes", []):
                rec.setdefault("subcodes", []).append(change["subcode_add"])
        elif "subcode_remove" in change:
            rec["subcodes"] = [s for s in rec.get("subcodes", []) if s != change["subcode_remove"]]
        else:
            raise ValueError(f"unknown change {change}")
    rec["spans"] = [s for i, s in enumerate(rec["spans"]) if i not in drop]
    asserted = {s["code"] for s in rec["spans"] if s["status"] == "asserted"}
    if (code in asserted) == coded:
        raise ValueError(f"the changes do not {'remove' if coded else 'add'} {code}")
    rec["subcodes"] = [s for s in rec.get("subcodes", []) if s.split(".")[0] in asserted]
    return rec


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("decisions", type=Path, nargs="+")
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args()

    lines: dict[Path, list[str]] = {}
    where: dict[str, tuple[Path, int]] = {}
    for path in sorted(RAW.glob("*.jsonl")):
        lines[path] = path.read_text(encoding="utf-8").splitlines(keepends=True)
        for n, line in enumerate(lines[path]):
            if line.strip():
                where[json.loads(line)["id"]] = (path, n)
    verdicts: collections.Counter[str] = collections.Counter()
    changed: set[Path] = set()
    problems = []
    for dpath in args.decisions:
        for n, line in enumerate(dpath.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            decision = json.loads(line)
            verdicts[decision["verdict"]] += 1
            if decision["verdict"] != "wrong":
                continue
            if decision["id"] not in where:
                problems.append(f"{dpath}:{n}: no raw record {decision['id']}")
                continue
            path, i = where[decision["id"]]
            try:
                rec = apply(json.loads(lines[path][i]), decision)
            except ValueError as exc:
                problems.append(f"{dpath}:{n} ({decision['id']}, {decision['code']}): {exc}")
                continue
            lines[path][i] = json.dumps(rec, ensure_ascii=False) + "\n"
            changed.add(path)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print(f"{len(problems)} problems; nothing written", file=sys.stderr)
        return 1
    print(", ".join(f"{v}: {k}" for v, k in sorted(verdicts.items())))
    if not args.dry_run:
        for path in sorted(changed):
            path.write_text("".join(lines[path]), encoding="utf-8")
    dry = " (dry run)" if args.dry_run else ""
    print(f"{verdicts['wrong']} labels changed in {len(changed)} files{dry}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
