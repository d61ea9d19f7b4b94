"""Context detection: the brief's hard cases and every status, as a table.

Each row: a sentence, the code it mentions, and the status the evidence must get
("none" means the code must not be asserted and may have no evidence at all).
"""

from __future__ import annotations

import pytest

CASES = [
    # asserted
    ("The broker sold me to a farmer for 20,000 yuan.", "sale", "asserted"),
    ("My uncle sold her to a man in Jilin.", "sale", "asserted"),
    ("She was sold twice and escaped in 2016.", "sale", "asserted"),
    ("I was bought by an old man for seven thousand yuan.", "sale", "asserted"),
    ("Two men grabbed me at the bus station and pushed me into a van.", "abduction", "asserted"),
    ("I was kidnapped near the river in Tumen.", "abduction", "asserted"),
    ("The madam made us see men every night at the karaoke bar.", "prostitution", "asserted"),
    ("For two years I was kept in a brothel in Yanji.", "prostitution", "asserted"),
    (
        "We sat in front of the webcam for customers who logged in from Korea.",
        "cybersex",
        "asserted",
    ),
    ("I was sold as a wife to a farmer in Heilongjiang.", "forced_marriage", "asserted"),
    ("His mother watched me all day and never let me out.", "forced_marriage", "asserted"),
    (
        "A woman said I could earn good money in a restaurant in China. It was a trick.",
        "coercion",
        "asserted",
    ),
    ("He promised to take me to South Korea.", "coercion", "asserted"),
    ("He said he would report me to the police if I did not go with him.", "coercion", "asserted"),
    ("I didn't know then that he had sold me.", "sale", "asserted"),
    # negated
    ("Nobody sold me.", "sale", "negated"),
    ("I was never sold.", "sale", "negated"),
    ("I never worked in a brothel.", "prostitution", "negated"),
    ("No one kidnapped me; I went with a trader to find work.", "abduction", "negated"),
    ("I wasn't sold to anyone.", "sale", "negated"),
    ("She did not work in front of a webcam.", "cybersex", "negated"),
    # refused
    (
        "My employer kept pushing me to become his cousin's wife, but I said no every time.",
        "forced_marriage",
        "refused",
    ),
    ("I refused to work in the karaoke bar.", "prostitution", "refused"),
    ("The boss wanted me to sit in front of the webcam, but I refused.", "cybersex", "refused"),
    (
        "He asked me to marry his brother as his wife, but I did not agree.",
        "forced_marriage",
        "refused",
    ),
    # threatened
    ("They threatened to sell her to a brothel.", "prostitution", "threatened"),
    ("They threatened to sell her to a brothel.", "sale", "threatened"),
    ("The broker warned me that he would sell me to a farmer.", "sale", "threatened"),
    ("She said they would send me to a sauna if I complained.", "prostitution", "threatened"),
    # attempted
    ("A man tried to drag me into his car but I ran.", "abduction", "attempted"),
    ("They tried to sell me in Yanji, but nobody wanted to pay.", "sale", "attempted"),
    ("Two men almost kidnapped me at the market.", "abduction", "attempted"),
    ("A man grabbed her arm at the station; she pulled free and hid.", "abduction", "attempted"),
    ("He grabbed my sister by the river, but she fought him off.", "abduction", "attempted"),
    ("She does not know whether money changed hands.", "sale", "hearsay"),
    ("A man offered to buy me from the broker for his son.", "sale", "attempted"),
    ("I didn't know whether they sold her to the farmer.", "sale", "hearsay"),
    # hypothetical
    (
        "People say the wives had it easier because they avoided the brothels.",
        "prostitution",
        "hypothetical",
    ),
    ("If I had stayed, I would have been sold.", "sale", "hypothetical"),
    ("I was afraid that they would sell me to a farmer.", "sale", "hypothetical"),
    ("I was lucky to avoid the brothels.", "prostitution", "hypothetical"),
    # hearsay
    ("I heard some girls are forced into cybersex, but I never saw it.", "cybersex", "hearsay"),
    ("People said she was kidnapped, but I don't know if it's true.", "abduction", "hearsay"),
    ("I heard that her aunt sold her to a broker.", "sale", "hearsay"),
    ("Rumours say the girls in that house work in a brothel.", "prostitution", "hearsay"),
    (
        "Her neighbours said the farmer had bought her, but she never saw it herself.",
        "sale",
        "hearsay",
    ),
    ("She suspects the younger girl was sold to a bathhouse.", "sale", "hearsay"),
    ("The aunt fears that her niece was sold.", "sale", "hypothetical"),
    # a refusal told in the next sentence ("I did not go") refuses the offer before it
    ("A woman said there was work in a restaurant in Yanji. I did not go.", "coercion", "refused"),
    # ... but not when it is the condition of a threat or a question: an if/unless clause
    (
        "A woman said there was work in a restaurant in Yanji. I asked what happens if I said no.",
        "coercion",
        "asserted",
    ),
    (
        "A woman said there was work in a restaurant in Yanji. If I remember right, I said no.",
        "coercion",
        "refused",
    ),
    # a denial is a negation
    ("She denies that anyone ever sold her.", "sale", "negated"),
    # a counterfactual ("if ... had", inverted "had she", "would have" + participle) is
    # hypothetical even for rules exempt from hypothetical cues (coercion's offers)
    (
        "If I had gone with the man who promised me a job in a factory, I would be in a bar now.",
        "coercion",
        "hypothetical",
    ),
    ("If my aunt had believed his promises, she would have been sold.", "coercion", "hypothetical"),
    ("Had she believed his promises, she would have been sold.", "coercion", "hypothetical"),
    ("The broker would probably have tricked my cousin as well.", "coercion", "hypothetical"),
    (
        "If I had stayed with the broker, he would have sold me to a brothel.",
        "sale",
        "hypothetical",
    ),
    # ... but not when it is negated or factive, nor "if" after a reporting verb, nor "would
    # have" + a noun phrase: these say that it happened
    ("If I had known it was a trick, I would never have gone with her.", "coercion", "asserted"),
    (
        "If we had known that it was all a lie, we would never have followed him.",
        "coercion",
        "asserted",
    ),
    ("She told me I would have a good salary in a restaurant.", "coercion", "asserted"),
    (
        "They asked me if I had met the broker, and he promised me a job in a factory.",
        "coercion",
        "asserted",
    ),
    # a negated counterfactual condition says that the event happened
    ("If the broker had not sold me, I would still be in Yanji.", "sale", "asserted"),
    ("If I had not run, he would have sold me.", "sale", "hypothetical"),
    # a comma that opens a new clause ends a negation's scope
    (
        "The boss complained she was not earning, and he sold her to a farmer.",
        "sale",
        "asserted",
    ),
    ("He did not sell her to the farmer, he only threatened it.", "sale", "negated"),
    # a phrase trigger ("instead of", "unlike") governs its phrase only: a comma ends it
    (
        "Instead of transferring her, the official sold her for 4,000 yuan to a villager.",
        "sale",
        "asserted",
    ),
    ("Instead of being sold to a farmer she was sent home.", "sale", "hypothetical"),
    ("Unlike my sister, I was sold to a farmer.", "sale", "asserted"),
    # a question with no trigger asserts nothing (codebook question_status)
    ("Was she sold to a farmer?", "sale", "hypothetical"),
    ("Sold to a farmer? Yes, in 2008.", "sale", "hypothetical"),
    ("Were they sold to the farmer?\u201d she asked.", "sale", "hypothetical"),
    # "not allowed out" is confinement, not its negation (rules exempt from negated)
    ("His mother never let me go to the market alone.", "forced_marriage", "asserted"),
    # a refusal at the start of the next sentence reaches back (refused: next_sentence)
    ("A woman offered me a job in a restaurant in Yanji. I said no.", "coercion", "refused"),
    ("A woman offered me a job in a restaurant in Yanji. I went with her.", "coercion", "asserted"),
    # none: ordinary commerce, voluntary marriage, questions
    ("The owner's wife threw him out of the shop.", "abduction", "none"),
    ("They put me in a room with a computer.", "abduction", "none"),
    ("My stepmother pushed me to go with the broker.", "abduction", "none"),
    ("The couple forced them to work in the fields.", "abduction", "none"),
    ("I sold fish at the market.", "sale", "none"),
    ("Her parents sold the house to pay the smuggler.", "sale", "none"),
    ("My husband stayed behind in North Korea.", "forced_marriage", "none"),
    (
        "Interviewer: Were you ever sold?\nRespondent: I went to the market every day.",
        "sale",
        "none",
    ),
    (
        "Q: Did they make you work at a karaoke bar?\nA: I cleaned the kitchen.",
        "prostitution",
        "none",
    ),
]


@pytest.mark.parametrize(("text", "code", "status"), CASES)
def test_status(code_text, text: str, code: str, status: str) -> None:  # type: ignore[no-untyped-def]
    doc = code_text(text)
    found = [ev for ev in doc._.evidence if ev[0] == code]
    if status == "none":
        assert code not in doc._.codes
        assert all(ev[3] != "asserted" for ev in found)
        return
    assert found, f"no evidence of {code}"
    if status == "asserted":
        assert code in doc._.codes
    else:
        assert code not in doc._.codes
        assert status in {ev[3] for ev in found}, [(doc.text[e[1] : e[2]], e[3]) for e in found]


def test_table_covers_every_status() -> None:
    statuses = {s for _, _, s in CASES}
    assert {
        "asserted",
        "negated",
        "refused",
        "threatened",
        "attempted",
        "hypothetical",
        "hearsay",
        "none",
    } <= statuses
    assert len(CASES) >= 40


@pytest.mark.parametrize(
    ("text", "experiencer"),
    [
        ("The broker sold me to a farmer.", "self"),
        ("My sister was sold to a farmer.", "other"),
        ("The girls were sold to men in the villages.", "general"),
        ("She was sold twice and escaped in 2016.", "self"),  # third-person case note
    ],
)
def test_experiencer(code_text, text: str, experiencer: str) -> None:  # type: ignore[no-untyped-def]
    doc = code_text(text)
    sale = [ev for ev in doc._.evidence if ev[0] == "sale"]
    assert sale and sale[0][4] == experiencer


# -- speaker labels that are not in the codebook ------------------------------------------------


def _question_turn_texts(text: str) -> list[str]:
    from testimonycoder.codebook import load_codebook
    from testimonycoder.turns import TurnFinder

    finder = TurnFinder(load_codebook().turns)
    return [text[t.start : t.end].strip() for t in finder.find(text) if t.role == "question"]


def test_initials_interviewer_is_the_speaker_who_asks() -> None:
    text = (
        "KH: I was in Yanji then.\n"
        "JL: Were you sold?\n"
        "KH: Yes, to a farmer.\n"
        "JL: When was that?\n"
        "KH: In 2012.\n"
    )
    assert _question_turn_texts(text) == ["JL: Were you sold?", "JL: When was that?"]


def test_titles_and_interpreter_turns() -> None:
    text = (
        "Dr. Lee: Did anyone sell you?\n"
        "Interpreter: She asks whether anyone sold you.\n"
        "Ms. Han: The broker sold me in Tumen.\n"
        "Dr. Lee: Who was the broker?\n"
        "Ms. Han: A woman from Musan.\n"
    )
    questions = _question_turn_texts(text)
    assert "Ms. Han: The broker sold me in Tumen." not in questions
    assert "Dr. Lee: Did anyone sell you?" in questions
    assert "Interpreter: She asks whether anyone sold you." in questions


def test_case_note_headings_are_not_turns() -> None:
    text = (
        "Background: born 1990 in Musan.\n"
        "Outcome: sold to a farmer in 2010.\n"
        "Background: crossed in 2009.\n"
        "Outcome: escaped 2014.\n"
    )
    assert _question_turn_texts(text) == []


def test_a_question_in_an_initials_transcript_is_not_coded(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "DM: Did they sell you to a karaoke bar?\nSK: No. I cleaned rooms.\n"
        "DM: And then?\nSK: I left."
    )
    doc = nlp(text)
    assert not [e for e in doc._.evidence if e[3] == "asserted" and "." not in e[0]]


def test_experiencer_with_the_docs_cues_equals_the_window_search() -> None:
    """Cues found once per Doc give the same experiencer as the matcher run on each window."""
    from testimonycoder.context import ContextDetector
    from testimonycoder.pipeline import build_nlp, pipeline_codebook

    nlp = build_nlp()
    detector = ContextDetector(nlp.vocab, pipeline_codebook(nlp), nlp.make_doc)
    doc = nlp(
        "My sister was sold to a farmer. They told me she was beaten.\n"
        "He said his cousin was taken; I was sold too, and my husband knew."
    )
    cues = detector.cues(doc)
    assert cues
    sents = [(s.start, s.end) for s in doc.sents]
    for s_start, s_end in sents:
        for start in range(s_start, s_end):
            for end in (start + 1, min(s_end, start + 3)):
                args = (doc, start, end, s_start, s_end, True)
                assert detector.experiencer(*args, cues) == detector.experiencer(*args)
