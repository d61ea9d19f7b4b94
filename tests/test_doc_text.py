"""doc_text(): Doc.text built once per Doc, rebuilt when the Doc changed."""

from __future__ import annotations

import spacy

from testimonycoder.doc_text import doc_text


def test_doc_text_equals_doc_text_and_is_kept() -> None:
    nlp = spacy.blank("en")
    doc = nlp("I was sold\n twice, for ¥5000.  ")
    assert doc_text(doc) == doc.text
    assert doc_text(doc) is doc_text(doc)


def test_doc_text_of_an_empty_doc() -> None:
    assert doc_text(spacy.blank("en")("")) == ""


def test_a_stale_text_is_rebuilt() -> None:
    nlp = spacy.blank("en")
    doc = nlp("short text")
    doc.user_data["testimonycoder.text"] = "something else entirely"
    assert doc_text(doc) == "short text"


def test_the_pipeline_keeps_the_text_it_was_given() -> None:
    from testimonycoder.pipeline import build_nlp

    nlp = build_nlp()
    text = "Q: Where?\r\nA:  In Yanji —  ¥5000.\n\n"
    for doc in [nlp(text), *nlp.pipe([text])]:
        assert doc.user_data["testimonycoder.text"] is text
        assert doc_text(doc) == doc.text == text
