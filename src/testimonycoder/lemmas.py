"""Lookup lemmas, one table look-up per distinct word rather than per token.

``testimonycoder_lookup_lemmatizer_v1`` is spaCy's ``lemmatizer`` in ``lookup`` mode (same
tables, same lemmas) whose ``__call__`` reads the words of a Doc as an array and writes the
lemmas back as an array. spaCy's own loop creates a ``Token`` and looks up the table for every
token, which cost half as much as the tokenizer; a lemma depends only on the word, so it is
cached per word (bounded by the vocabulary, like spaCy's lexeme table).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy
from spacy.attrs import LEMMA, ORTH
from spacy.errors import Errors
from spacy.language import Language
from spacy.lookups import Lookups
from spacy.pipeline import Lemmatizer
from spacy.tokens import Doc
from spacy.training import Example


def lemma_column(doc: Doc, lemma_of: Callable[[int], int]) -> numpy.ndarray:
    """The Doc's LEMMA column with ``lemma_of(orth)`` where it is non-zero (0 keeps the lemma).

    ``lemma_of`` is called once per distinct word of the Doc.
    """
    arr = doc.to_array([ORTH, LEMMA])
    words, inverse = numpy.unique(arr[:, 0], return_inverse=True)
    new = numpy.array([lemma_of(int(w)) for w in words], dtype=numpy.uint64)[inverse]
    return numpy.where(new != 0, new, arr[:, 1])


class CachedLookupLemmatizer(Lemmatizer):
    """spaCy's lookup lemmatizer with the lemma of each word cached (see the module docs)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._lemmas: dict[int, int] = {}

    def __call__(self, doc: Doc) -> Doc:
        if self.mode != "lookup" or not len(doc):
            return super().__call__(doc)
        if not self._validated:
            self._validate_tables(Errors.E1004)
        if self.overwrite:
            lemmas = lemma_column(doc, self._lemma)
        else:  # like spaCy: only tokens without a lemma yet
            before = doc.to_array([LEMMA])
            lemmas = numpy.where(before == 0, lemma_column(doc, self._lemma), before)
        doc.from_array([LEMMA], lemmas)  # type: ignore[arg-type]
        return doc

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Example]] | None = None,
        *,
        nlp: Language | None = None,
        lookups: Lookups | None = None,
    ) -> None:
        super().initialize(get_examples, nlp=nlp, lookups=lookups)
        self._lemmas.clear()  # new tables: forget the cached lemmas

    def _lemma(self, orth: int) -> int:
        """The lemma (string hash) of the word ``orth``: spaCy's ``lookup_lemmatize``."""
        lemma = self._lemmas.get(orth)
        if lemma is None:
            strings = self.vocab.strings
            text = strings[orth]
            # The table is keyed by string hash: ``get(orth)`` is ``get(token.text)``.
            result = self.lookups.get_table("lemma_lookup", {}).get(orth, text)
            lemma = strings.add(result if isinstance(result, str) else result[0])
            self._lemmas[orth] = lemma
        return lemma


@Language.factory(
    "testimonycoder_lookup_lemmatizer_v1",
    assigns=["token.lemma"],
    default_config={"overwrite": False},
)
def make_lookup_lemmatizer(nlp: Language, name: str, overwrite: bool) -> CachedLookupLemmatizer:
    return CachedLookupLemmatizer(nlp.vocab, None, name, mode="lookup", overwrite=overwrite)
