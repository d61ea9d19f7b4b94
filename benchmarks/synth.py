"""A synthetic testimony corpus of N words, recombined from the sentences of ``corpus/``.

Documents are built from randomly drawn sentences (narratives) or question/answer lines
(transcripts) of the real corpus, and numbers (years, ages, prices) are redrawn, so every text is
unique and a cache keyed on whole texts cannot flatter the timings. The generator streams: it
never holds the corpus in memory. Deterministic for a given seed.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from pathlib import Path

# Split after . ! ? but not after the titles that start most headers ("Ms. Kim").
_SENT = re.compile(r"(?<!\bMs\.)(?<!\bMr\.)(?<!Mrs\.)(?<!\bDr\.)(?<=[.!?])\s+(?=[A-Z\"'“])")
_NUMBER = re.compile(r"\b\d{1,4}\b")


def _pools(corpus_dir: Path) -> tuple[list[str], list[str], list[str]]:
    headers: list[str] = []
    sentences: list[str] = []
    turns: list[str] = []
    for split in ("train", "validation", "test"):
        path = corpus_dir / f"{split}.jsonl"
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                text = json.loads(line)["text"]
                lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
                if any(re.match(r"(Q|A|Interviewer|Respondent)\s*:", ln) for ln in lines):
                    turns.extend(lines)
                    continue
                if len(lines) > 1 and len(lines[0].split()) <= 12:
                    headers.append(lines.pop(0))
                for ln in lines:
                    sentences.extend(s for s in _SENT.split(ln) if s)
    for path in sorted((corpus_dir / "samples").glob("*.txt")):
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
        if any(re.match(r"(Q|A|Interviewer|Respondent)\s*:", ln) for ln in lines):
            turns.extend(ln for ln in lines if ":" in ln[:15])
    if not sentences:
        raise SystemExit(f"{corpus_dir}: no corpus sentences found (expected train.jsonl etc.)")
    return headers or ["Testimony"], sentences, turns or sentences


def documents(
    corpus_dir: Path, total_words: int, *, seed: int = 0, mean_words: int = 300
) -> Iterator[dict[str, str]]:
    """Yield ``{"id", "text"}`` records until ``total_words`` words have been produced."""
    rng = random.Random(seed)
    headers, sentences, turns = _pools(corpus_dir)

    def renumber(s: str) -> str:
        def draw(m: re.Match[str]) -> str:
            n = len(m.group())
            return str(rng.randint(1950, 2025) if n == 4 else rng.randint(10 ** (n - 1), 10**n - 1))

        return _NUMBER.sub(draw, s)

    produced = 0
    i = 0
    while produced < total_words:
        target = max(40, int(rng.gauss(mean_words, mean_words / 3)))
        words = 0
        if rng.random() < 0.2:  # an interview transcript: header + Q/A turns
            parts = [renumber(rng.choice(headers))]
            while words < target:
                t = renumber(rng.choice(turns))
                parts.append(t)
                words += len(t.split())
            text = "\n".join(parts)
        else:  # a narrative: header line, then paragraphs of sentences
            paras: list[str] = []
            para: list[str] = []
            while words < target:
                s = renumber(rng.choice(sentences))
                para.append(s)
                words += len(s.split())
                if len(para) >= rng.randint(3, 7):
                    paras.append(" ".join(para))
                    para = []
            if para:
                paras.append(" ".join(para))
            text = renumber(rng.choice(headers)) + "\n" + "\n\n".join(paras)
        i += 1
        produced += len(text.split())
        yield {"id": f"syn-{seed}-{i:07d}", "text": text}


def write_corpus(
    path: Path, corpus_dir: Path, total_words: int, *, seed: int = 0
) -> tuple[int, int]:
    """Write the synthetic corpus as JSONL; return ``(documents, words)``."""
    n = words = 0
    seen: set[int] = set()
    with path.open("w", encoding="utf-8") as fh:
        for rec in documents(corpus_dir, total_words, seed=seed):
            h = hash(rec["text"])
            if h in seen:  # vanishingly rare; keep every text unique
                continue
            seen.add(h)
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n += 1
            words += len(rec["text"].split())
    return n, words
