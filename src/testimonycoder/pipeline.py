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
from testimonycoder.errors import TestimonyCoderError

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


def pipeline_codebook(nlp: Language) -> Codebook:
    """The codebook used by a pipeline built with :func:`build_nlp`."""
    return nlp.get_pipe(CODEBOOK_PIPE).codebook  # type: ignore[attr-defined]
