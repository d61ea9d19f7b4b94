"""The text of a spaCy Doc, built once per Doc.

``Doc.text`` joins the text of every token in Python on each access. The codebook component, the
attribute extractor and the building of the Coding record each need it, and rebuilding it cost as
much as the lemmatizer. :func:`doc_text` keeps it in ``doc.user_data``, checked against the Doc's
length in characters so that a Doc changed since (retokenised, or a different Doc) rebuilds it.

:func:`keeping_text` goes one step further for the pipeline's own Docs: the tokenizer was given
the text, so it is stored as the Doc is made and never rebuilt from the tokens (which cost about
4% of coding; ``benchmarks/profile-notes.md``, sixth round).
"""

from __future__ import annotations

from collections.abc import Callable

from spacy.tokens import Doc

_KEY = "testimonycoder.text"


def doc_text(doc: Doc) -> str:
    """``doc.text``, computed at most once per Doc."""
    text = doc.user_data.get(_KEY)
    if not isinstance(text, str) or len(text) != _length(doc):
        text = doc.text
        doc.user_data[_KEY] = text
    return text


def keeping_text(make_doc: Callable[[str], Doc]) -> Callable[[str], Doc]:
    """Wrap ``make_doc`` so that each Doc it makes remembers the text it was made from.

    spaCy's tokenizer keeps every character, so the text is the Doc's ``doc.text``.
    """

    def make(text: str) -> Doc:
        doc = make_doc(text)
        doc.user_data[_KEY] = text
        return doc

    return make


def _length(doc: Doc) -> int:
    if not len(doc):
        return 0
    last = doc[-1]
    return last.idx + len(last.text_with_ws)
