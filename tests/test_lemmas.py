"""The cached lookup lemmatizer gives spaCy's lookup lemmas (and the lemma case fix)."""

from __future__ import annotations

import spacy
from spacy.attrs import LEMMA
from spacy.language import Language

from testimonycoder.lemmas import CachedLookupLemmatizer
from testimonycoder.pipeline import build_nlp

TEXT = (
    "She was Sold twice; the brokers SOLD her again.\n"
    "They were selling girls, 14 years old, for ¥5000 — Mr. Kim's men bought them.\n"
    "COVID-19 re-sold U.S. ran running Ran"
)


def _spacy_lookup() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


def test_same_lemmas_as_spacy_lookup_lemmatizer() -> None:
    ours = spacy.blank("en")
    ours.add_pipe("testimonycoder_lookup_lemmatizer_v1", name="lemmatizer")
    ours.initialize()
    assert isinstance(ours.get_pipe("lemmatizer"), CachedLookupLemmatizer)
    expected = [t.lemma_ for t in _spacy_lookup()(TEXT)]
    for _ in range(2):  # the second pass reads the cache
        assert [t.lemma_ for t in ours(TEXT)] == expected


def test_existing_lemmas_are_kept_unless_overwrite() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("testimonycoder_lookup_lemmatizer_v1", name="lemmatizer")
    nlp.initialize()
    doc = nlp.make_doc("sold sold")
    doc[0].lemma_ = "kept"
    assert [t.lemma_ for t in nlp.get_pipe("lemmatizer")(doc)] == ["kept", "sell"]


def test_pipeline_lemmas_use_the_lower_case_form_of_capitalised_words() -> None:
    doc = build_nlp()(TEXT)
    table = _spacy_lookup().get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
    for token in doc:
        if not token.is_lower and token.is_alpha:
            assert token.lemma_ == table.get(token.lower_, token.lower_)
        else:
            assert token.lemma_ == table.get(token.text, token.text)
    assert doc.to_array([LEMMA]).all()
