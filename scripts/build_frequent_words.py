"""Write configs/frequent_words.txt: the most frequent English words, most frequent first.

``build_nlp`` tokenises these words one by one when it builds the pipeline, so that they take
the first places in spaCy's tokenizer cache (which holds 10,000 chunks; see
``testimonycoder.pipeline``). The frequencies are the English ``lexeme_prob`` table of
``spacy-lookups-data`` (MIT licence), which is installed with testimonycoder.

Usage: python scripts/build_frequent_words.py [--top 5000]
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

import spacy_lookups_data

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--top", type=int, default=5000)
    args = ap.parse_args()
    table = Path(spacy_lookups_data.__file__).parent / "data" / "en_lexeme_prob.json.gz"
    with gzip.open(table, "rt", encoding="utf-8") as f:
        prob: dict[str, float] = json.load(f)
    # Whitespace "words" (line breaks, spaces) would not survive one-word-per-line.
    ranked = sorted((w for w in prob if w.strip() == w and w), key=lambda w: (-prob[w], w))
    out = ROOT / "configs" / "frequent_words.txt"
    header = (
        "# The most frequent English words, most frequent first (spacy-lookups-data, en"
        " lexeme_prob,\n# MIT). Written by scripts/build_frequent_words.py; read by"
        " testimonycoder.pipeline.\n"
    )
    out.write_text(header + "\n".join(ranked[: args.top]) + "\n", encoding="utf-8")
    print(f"wrote {args.top} words to {out}")


if __name__ == "__main__":
    main()
