"""How fast could ``testimonycoder code`` be, if all of its own Python cost nothing?

One command writes ``benchmarks/floor.md`` (also printed)::

    python benchmarks/floor.py                 # 300,000 synthetic words, 3 passes

Issue 8 asks for single-process coding at 0.25x the words/s of a bare, warm ``spacy.blank("en")``
tokenizer. This script measures the part of the cost that is spaCy's own code, which no change to
testimonycoder's code can remove while it uses the tools the project asked for: spaCy's tokenizer,
sentencizer and lookup lemmatizer, and spaCy's ``Matcher`` / ``PhraseMatcher`` for the
codebook's rules, context triggers and attributes. It reports, in one run and as CPU seconds
(median of ``--repeat`` passes over the same synthetic corpus, see ``benchmarks/synth.py``):

1. the bare tokenizer, with the cache warm-up that ``build_nlp`` gives the pipeline and one
   untimed pass (the faster bare tokenizer of ``bench_code.py``, which its verdict uses);
2. each component of the coding pipeline, and the model's scoring with the rest of building the
   records;
3. inside the codebook and attribute components, the time spent in calls to spaCy matchers. Each
   matcher of a pipeline component is wrapped in a timer before the run (the wrappers replace the
   matcher objects held by the components; the matchers themselves are spaCy's).

Then ``ceiling = bare / (tokenizer + sentencizer + lemmatizer + matcher calls)``: the ratio
``code`` would reach if the rest (the context rules around each match, the attributes, the
features and model, the records, reading and writing) took no time at all. CPU time rather than
wall time, because the machine is shared.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import spacy
from spacy.matcher import Matcher, PhraseMatcher

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "src"))

from bench_code import machine  # noqa: E402
from stages import time_bare, time_stages  # noqa: E402
from synth import write_corpus  # noqa: E402

# The spaCy components of the coding pipeline; the others are testimonycoder's.
SPACY_COMPONENTS = ("tokenizer", "sentencizer", "lemmatizer")


class TimedMatcher:
    """A spaCy matcher whose calls add their CPU time to a shared counter."""

    def __init__(self, inner: Any, label: str, spent: dict[str, float]) -> None:
        self._inner = inner
        self._label = label
        self._spent = spent

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        t = time.process_time()
        found = self._inner(*args, **kwargs)
        self._spent[self._label] += time.process_time() - t
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __len__(self) -> int:
        return len(self._inner)


def wrap_matchers(obj: Any, label: str, spent: dict[str, float], seen: set[int]) -> int:
    """Replace every spaCy matcher reachable from ``obj`` (through testimonycoder objects and
    dicts) by a :class:`TimedMatcher`; return how many were wrapped."""
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    if isinstance(obj, dict):
        items = list(obj.items())
    elif hasattr(obj, "__dict__"):
        items = list(vars(obj).items())
    else:
        return 0
    wrapped = 0
    for key, value in items:
        if isinstance(value, Matcher | PhraseMatcher):
            timed = TimedMatcher(value, f"{label}.{key}", spent)
            if isinstance(obj, dict):
                obj[key] = timed
            else:
                setattr(obj, key, timed)
            wrapped += 1
        elif isinstance(value, dict) or type(value).__module__.startswith("testimonycoder"):
            wrapped += wrap_matchers(value, f"{label}.{key}", spent, seen)
    return wrapped


def main() -> None:
    from testimonycoder.io.readers import read_documents
    from testimonycoder.model_io import resolve_model
    from testimonycoder.pipeline import build_nlp, pipeline_codebook, warm_tokenizer_cache

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--words", type=int, default=300_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--corpus-dir", type=Path, default=REPO / "corpus")
    ap.add_argument("--out", type=Path, default=HERE / "floor.md")
    args = ap.parse_args()

    header = machine()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synthetic.jsonl"
        n_docs, words = write_corpus(path, args.corpus_dir, args.words, seed=args.words)
        docs_in = list(read_documents([path]))
    texts = [d.text for d in docs_in]

    nlp = build_nlp()
    codebook = pipeline_codebook(nlp)
    model = resolve_model(None, codebook, use_model=True)
    spent: dict[str, float] = defaultdict(float)
    wrapped = sum(wrap_matchers(proc, name, spent, set()) for name, proc in nlp.pipeline)

    bare = spacy.blank("en")
    bare.max_length = nlp.max_length
    # The faster of the two bare tokenizers of bench_code.py: the frequent-word cache warm-up
    # that build_nlp also gives the pipeline, then one untimed pass.
    warm_tokenizer_cache(bare)
    for _ in bare.pipe(texts):
        pass
    times: dict[str, list[float]] = defaultdict(list)
    for _ in range(args.repeat):
        times["bare tokenizer (warm)"].append(time_bare(bare, texts, args.batch_size))
        spent.clear()
        stages = time_stages(nlp, codebook, model, docs_in, args.batch_size, score_apart=False)
        for name, sec in stages.items():
            times[name].append(sec)
        times["matcher calls"].append(sum(spent.values()))

    med = {name: statistics.median(secs) for name, secs in times.items()}
    bare_s = med.pop("bare tokenizer (warm)")
    matcher_s = med.pop("matcher calls")
    total = sum(med.values())
    spacy_s = sum(med[c] for c in SPACY_COMPONENTS) + matcher_s
    target_s = bare_s / 0.25

    rows = [
        f"| {name} | {sec:.3f} | {'spaCy' if name in SPACY_COMPONENTS else 'testimonycoder'} |"
        for name, sec in med.items()
    ]
    lines = [
        "# Floor of `testimonycoder code`: the time in spaCy's own code",
        "",
        *header,
        f"- synthetic corpus: {n_docs:,} documents, {words:,} words (`benchmarks/synth.py`)",
        f"- CPU seconds, median of {args.repeat} passes; command: `python benchmarks/floor.py`",
        "",
        "| stage | CPU s | whose code |",
        "|---|---|---|",
        f'| bare `spacy.blank("en")` tokenizer, warm | {bare_s:.3f} | spaCy |',
        *rows,
        f"| … of which calls to spaCy's `Matcher` / `PhraseMatcher` ({wrapped} matchers, "
        f"inside the codebook and attribute components) | {matcher_s:.3f} | spaCy |",
        f"| **coding, all stages** | **{total:.3f}** | |",
        "",
        "| measure | value |",
        "|---|---|",
        f"| coding / bare tokenizer | {bare_s / total:.3f}x |",
        f"| time the 0.25x target allows for all of coding | {target_s:.3f} s |",
        f"| spaCy's share alone: tokenizer, sentencizer, lemmatizer, matcher calls | "
        f"{spacy_s:.3f} s |",
        f"| **ceiling**: the ratio if testimonycoder's own code took no time | "
        f"**{bare_s / spacy_s:.3f}x** |",
        "",
    ]
    top = sorted(spent.items(), key=lambda kv: -kv[1])[:8]
    lines += ["Matchers that took the most time in the last pass (CPU s):", ""]
    lines += [f"- `{label}`: {sec:.3f}" for label, sec in top]
    text = "\n".join(lines) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
