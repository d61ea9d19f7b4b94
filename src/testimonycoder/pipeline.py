"""Builds the spaCy pipeline: tokenizer, sentences, lookup lemmas, codebook matcher, context.

No trained spaCy model is needed (none can be downloaded on air-gapped machines): the pipeline is
``spacy.blank("en")`` with the rule-based sentencizer, a segmenter that respects line breaks, and
the lookup lemmatizer whose tables come from the ``spacy-lookups-data`` package.
"""

from __future__ import annotations

from pathlib import Path

import spacy
from spacy.language import Language

# Imported for their side effect: they register the spaCy factories.
import testimonycoder.attributes
import testimonycoder.components
import testimonycoder.lemmas  # noqa: F401
from testimonycoder.codebook import Codebook
from testimonycoder.doc_text import keeping_text
from testimonycoder.errors import TestimonyCoderError
from testimonycoder.resources import config_path

# Long documents (a 20 MB transcript) are legitimate input; spaCy's default guard is 1M chars.
MAX_LENGTH = 50_000_000
CODEBOOK_PIPE = "testimonycoder_codebook_v1"
ATTRIBUTES_PIPE = "testimonycoder_attributes_v1"


def build_nlp(codebook_path: str | Path | None = None) -> Language:
    """Return the testimonycoder pipeline for the codebook at ``codebook_path`` (default: bundled).

    Raises:
        CodebookError: the codebook is invalid.
        TestimonyCoderError: the lemma tables of ``spacy-lookups-data`` are missing.
    """
    nlp = spacy.blank("en")
    nlp.max_length = MAX_LENGTH
    # nlp.pipe makes each Doc with nlp.make_doc; the wrapper stores the text it was given.
    nlp.make_doc = keeping_text(nlp.make_doc)  # type: ignore[method-assign,assignment]
    warm_tokenizer_cache(nlp)
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("testimonycoder_segmenter_v1")
    # spaCy's lookup lemmatizer, one look-up per distinct word (see testimonycoder.lemmas).
    nlp.add_pipe("testimonycoder_lookup_lemmatizer_v1", name="lemmatizer")
    try:
        nlp.initialize()
    except (OSError, ValueError) as exc:  # tables missing: spacy-lookups-data not installed
        raise TestimonyCoderError(
            f"cannot load spaCy lemma tables ({exc}); install 'spacy-lookups-data'"
        ) from None
    nlp.add_pipe("testimonycoder_lemma_case_v1")
    config = {"codebook": str(codebook_path) if codebook_path else None}
    nlp.add_pipe(CODEBOOK_PIPE, config=config)
    nlp.add_pipe(ATTRIBUTES_PIPE, config=config)
    return nlp


def warm_tokenizer_cache(nlp: Language) -> None:
    """Put the most frequent English words first in the tokenizer's cache.

    spaCy's tokenizer caches how it split each whitespace-separated chunk, but only the first
    10,000 chunks it meets. Filled in corpus order, the cache soon holds rare chunks ("Yanji,",
    "2014.") while common words keep going through the slower affix rules. Tokenising the 5,000
    most frequent English words (``configs/frequent_words.txt``) first, one by one, made the
    tokenizer about 1.4x faster and the whole pipeline about 10% faster on testimony-like text
    (issue 8; ``benchmarks/profile-notes.md``). The tokens and codes are the same.
    """
    path = config_path("frequent_words.txt")
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("# "):
            nlp.make_doc(line)


def pipeline_codebook(nlp: Language) -> Codebook:
    """The codebook used by a pipeline built with :func:`build_nlp`."""
    return nlp.get_pipe(CODEBOOK_PIPE).codebook  # type: ignore[attr-defined]
