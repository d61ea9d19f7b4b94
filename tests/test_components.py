"""spaCy components: the line-break segmenter."""

from __future__ import annotations

import pytest

from testimonycoder.pipeline import build_nlp


def test_turns_become_sentences() -> None:
    doc = build_nlp()("Q: Were you sold?\nA: Yes. Twice.")
    assert [s[0].text for s in doc.sents] == ["Q", "\n", "A", "Twice"]


@pytest.mark.parametrize(
    "text",
    [
        "Header\n\nI was sold \n to a farmer",
        "no break at all",
        "ends with a break\n",
        "\nstarts with one",
        "a\r\nb \n\n c",
    ],
)
def test_a_sentence_starts_after_every_line_break(text: str) -> None:
    doc = build_nlp()(text)
    for token in doc[1:]:
        before = doc[token.i - 1]
        if "\n" in before.text + before.whitespace_:
            assert token.is_sent_start, (before.text, token.text)


@pytest.mark.parametrize(
    ("text", "coded"),
    [
        ("We sold fish at the market.", False),
        ("The house was sold to pay the smuggler.", False),
        # The veto word belongs to another event of a long run-on sentence (veto_window).
        (
            "I was sold to a man near Jilin, that part is the usual story, many women have it,"
            " but after two years he lost his job and in the day I still worked for his"
            " parents in the house.",
            True,
        ),
    ],
)
def test_a_veto_counts_near_the_hit(text: str, coded: bool) -> None:
    assert ("sale" in build_nlp()(text)._.codes) is coded


@pytest.mark.parametrize(
    ("text", "code", "coded"),
    [
        # "men" counts as customers only with a routine or a payment.
        ("Two men came to the house and asked for my father.", "prostitution", False),
        ("At the karaoke bar the men paid the madam at the door.", "prostitution", True),
        # Finding or being given real work is not deception; an offer or a promise can be.
        ("My aunt helped me find a job in a shoe factory.", "coercion", False),
        ("A woman at the market offered me a restaurant job in China.", "coercion", True),
        # A safe house is a refuge; being talked into going is persuasion.
        ("The volunteers took us to a safe house in Bangkok.", "coercion", False),
        ("My neighbour talked me into crossing with her cousin.", "coercion", True),
        # Selling or buying a thing is commerce, whatever the thing: the object must be a person,
        # or the verb followed by a word that cannot be its object.
        ("My grandmother sold roasted chestnuts outside the station.", "sale", False),
        ("He bought a motorbike with the money from the harvest.", "sale", False),
        ("The broker sold the two girls to a farmer.", "sale", True),
        ("Sold again after eight months, this time to a bathhouse.", "sale", True),
        ("She was bought by a widower from Wangqing.", "sale", True),
        ("The manager sold M. to a man in Siping.", "sale", True),
        # What customers pay for a woman's time, or relatives pay for an escape route, is not a
        # price for her.
        ("The customers paid the operator by the minute.", "sale", False),
        ("Her brother in Seoul paid the broker for the route through Laos.", "sale", False),
        ("A customer paid the owner 8,000 yuan to take her home as his wife.", "sale", True),
        # Reported speech: a reporting verb a sentence away from a mention of work is not an offer.
        (
            "She said that she lived with two other women in a rented room near the station and"
            " worked in a bakery.",
            "coercion",
            False,
        ),
        ("A woman told me there was work in a restaurant in Yanji.", "coercion", True),
    ],
)
def test_rule_boundaries(text: str, code: str, coded: bool) -> None:
    assert (code in build_nlp()(text)._.codes) is coded
