"""Attribute extraction: prices, ages, times sold, durations and places, with their context."""

from __future__ import annotations

from typing import Any

import pytest
from spacy.language import Language

from testimonycoder.attributes import AttributeExtractor
from testimonycoder.codebook import load_codebook
from testimonycoder.errors import CodebookError
from testimonycoder.gazetteer import load_gazetteer
from testimonycoder.number_tokens import NATIVE_FIELDS, is_number_joiner
from testimonycoder.numbers import CARDINAL_WORDS, is_digit_number, parse_number
from testimonycoder.pipeline import build_nlp


@pytest.fixture(scope="module")
def nlp() -> Language:
    return build_nlp()


def _of_type(nlp: Language, text: str, kind: str) -> list[dict[str, Any]]:
    return [a for a in nlp(text)._.attributes if a["type"] == kind]


# (text, expected subset of the single attribute of that type)
PRICES: list[tuple[str, dict[str, Any]]] = [
    ("The broker sold me to a farmer for 20,000 yuan.", {"value": 20000, "currency": "CNY"}),
    ("He bought me for ¥24,000.", {"value": 24000, "currency": "CNY", "text": "¥24,000"}),
    ("They paid seven thousand yuan for me.", {"value": 7000, "currency": "CNY"}),
    ("She was sold for twenty-two thousand yuan.", {"value": 22000}),
    ("The man paid fifteen thousand yuan to the broker.", {"value": 15000}),
    ("I was sold for 1000 yuan.", {"value": 1000, "text": "1000 yuan"}),
    ("He handed over 5,000 RMB for her.", {"value": 5000, "currency": "CNY"}),
    ("The price was RMB 8,000.", {"value": 8000, "currency": "CNY", "text": "RMB 8,000"}),
    ("The brothel paid $3,000 for each girl.", {"value": 3000, "currency": "USD"}),
    ("He sold me for 3000 dollars.", {"value": 3000, "currency": "USD"}),
    ("She earned 500,000 won a month in Seoul.", {"value": 500000, "currency": "WON"}),
    ("They sold her for ￥5000.", {"value": 5000, "currency": "CNY", "text": "￥5000"}),
    ("The broker got 6000yuan for me.", {"value": 6000, "currency": "CNY"}),
    ("He sold me for 1.5 million won.", {"value": 1500000, "currency": "WON"}),
    ("They bought me for a thousand yuan.", {"value": 1000}),
    ("It was two hundred and fifty yuan.", {"value": 250}),
    ("Your boss got five thousand for you.", {"value": 5000, "currency": None}),
    ("Customers paid ¥30 a time.", {"value": 30, "per": "time"}),
    ("She was sold for more than ¥10,000.", {"value": 10000, "qualifier": "more than"}),
    ("I was sold for about 8,000 yuan.", {"value": 8000, "qualifier": "about"}),
    ("A young woman went for ¥7,500–¥11,600.", {"value": 7500, "value_max": 11600}),
    (
        "He paid ¥24,000 Chinese Yuan ($3500 USD) for me.",
        {
            "value": 24000,
            "currency": "CNY",
            "conversion": {
                "value": 3500,
                "currency": "USD",
                "text": "$3500 USD",
                "start": 30,
                "end": 39,
            },
        },
    ),
    ("I was sold as a wife for 30,000 yuan.", {"code": "forced_marriage", "status": "asserted"}),
    (
        "He sold me to the owner of a brothel for twelve thousand yuan.",
        {"code": "prostitution", "value": 12000},
    ),
    ("They threatened to sell her for ¥5000.", {"status": "threatened", "value": 5000}),
    (
        "The manager said he would sell me to a brothel for 3000 yuan if I did not obey.",
        {"status": "threatened"},
    ),
    ("Nobody paid 10,000 yuan for me.", {"status": "negated"}),
    ("If I had stayed, they might have sold me for 20,000 yuan.", {"status": "hypothetical"}),
    ("I heard that girls are sold for 30,000 yuan.", {"status": "hearsay"}),
    ("He tried to sell me for 9,000 yuan but I ran.", {"status": "attempted"}),
]

NO_PRICE = [
    "I crossed in 2015 for her sake.",
    "She was sold in 2015 for her looks.",
    "We won two games.",
    "I was there for two weeks.",
    "Two for them and one for me.",
]


@pytest.mark.parametrize(("text", "expected"), PRICES)
def test_price(nlp: Language, text: str, expected: dict[str, Any]) -> None:
    prices = _of_type(nlp, text, "price")
    assert len(prices) == 1, prices
    price = prices[0]
    for key, value in expected.items():
        assert price.get(key) == value, (key, price)
    assert text[price["start"] : price["end"]] == price["text"]


@pytest.mark.parametrize("text", NO_PRICE)
def test_not_a_price(nlp: Language, text: str) -> None:
    assert _of_type(nlp, text, "price") == []


def test_price_range_in_two_amounts(nlp: Language) -> None:
    prices = _of_type(nlp, "Wives cost between ¥1,000 and ¥50,000.", "price")
    assert [p["value"] for p in prices] == [1000, 50000]


AGES: list[tuple[str, list[dict[str, Any]]]] = [
    ("I was 14 years old when they sold me.", [{"value": 14, "about": "self"}]),
    ("I was fourteen years old.", [{"value": 14}]),
    ("She was 16-years-old.", [{"value": 16}]),
    ("He sold me to a 36-year-old man.", [{"value": 36, "person": "man", "about": "other"}]),
    (
        "The son was more than forty years old.",
        [{"value": 40, "about": "other", "qualifier": "more than"}],
    ),
    ("Two girls aged 12 and 14 were in the room.", [{"value": 12}, {"value": 14}]),
    ("She crossed at age eighteen with her mother.", [{"value": 18}]),
    ("I left at the age of 17.", [{"value": 17, "about": "self"}]),
    ("I left when I was nineteen.", [{"value": 19, "about": "self"}]),
    ("I was twenty-one. I crossed the river.", [{"value": 21}]),
    ("Age: 23", [{"value": 23}]),
    ("My sister was 16 years old when she was taken.", [{"value": 16, "about": "other"}]),
    ("The buyer was 50 years old.", [{"value": 50, "about": "other"}]),
    ("I was only 15 years old, not even an adult.", [{"value": 15}]),
    ("She was a girl of 15.", [{"value": 15}]),
]

NO_AGE = [
    "I was 3 months pregnant.",
    "I worked there for five years.",
    "I was there in 2015.",
    "The building was 100 years old and 200 years old.",  # >110 is not an age; 100 is
]


@pytest.mark.parametrize(("text", "expected"), AGES)
def test_age(nlp: Language, text: str, expected: list[dict[str, Any]]) -> None:
    ages = _of_type(nlp, text, "age")
    assert len(ages) == len(expected), ages
    for age, exp in zip(ages, expected, strict=True):
        for key, value in exp.items():
            assert age.get(key) == value, (key, age)


@pytest.mark.parametrize("text", NO_AGE[:3])
def test_not_an_age(nlp: Language, text: str) -> None:
    assert _of_type(nlp, text, "age") == []


def test_implausible_age_is_dropped(nlp: Language) -> None:
    ages = _of_type(nlp, NO_AGE[3], "age")
    assert [a["value"] for a in ages] == [100]


TIMES: list[tuple[str, dict[str, Any]]] = [
    ("I was sold twice.", {"value": 2, "status": "asserted"}),
    ("She was sold once and then escaped.", {"value": 1}),
    ("I was sold three times.", {"value": 3}),
    ("They sold her four times in two years.", {"value": 4}),
    ("I was sold more than three times.", {"value": 3, "qualifier": "more than"}),
    ("The madam sold me again.", {"value": 2, "qualifier": "at least"}),
    ("Then I was sold again, to a farmer.", {"value": 2, "qualifier": "at least"}),
    ("She was resold within a month.", {"value": 2, "qualifier": "at least"}),
    ("I was sold a second time.", {"value": 2, "qualifier": "at least"}),
    ("He sold me for the third time.", {"value": 3}),
    ("I was sold several times.", {"value": 3, "qualifier": "at least"}),
    ("They threatened to sell me again.", {"status": "threatened"}),
    ("I was never sold twice.", {"status": "negated"}),
    ("If I had stayed, they would have sold me again.", {"status": "hypothetical"}),
    ("I heard that she was sold three times.", {"status": "hearsay"}),
]


@pytest.mark.parametrize(("text", "expected"), TIMES)
def test_times_sold(nlp: Language, text: str, expected: dict[str, Any]) -> None:
    times = _of_type(nlp, text, "times_sold")
    assert len(times) == 1, times
    for key, value in expected.items():
        assert times[0].get(key) == value, (key, times[0])
    assert times[0]["code"] == "sale"


@pytest.mark.parametrize(
    "text", ["I sold fish twice a week.", "I sold it.", "She tried again and again."]
)
def test_not_times_sold(nlp: Language, text: str) -> None:
    assert _of_type(nlp, text, "times_sold") == []


DURATIONS: list[tuple[str, dict[str, Any]]] = [
    ("After five months I was sold.", {"value": 5, "unit": "month"}),
    (
        "Less than three weeks later he came back.",
        {"value": 3, "unit": "week", "qualifier": "less than"},
    ),
    ("I worked there for two years.", {"value": 2, "unit": "year"}),
    ("I was held for a week.", {"value": 1, "unit": "week"}),
    ("Within a month she was gone.", {"value": 1, "unit": "month"}),
    ("I stayed for almost four years.", {"value": 4, "qualifier": "about", "status": "asserted"}),
    ("We drove for 12 hours.", {"value": 12, "unit": "hour"}),
    ("They kept me for twenty-one days.", {"value": 21, "unit": "day"}),
    ("It was more than two years before I left.", {"qualifier": "more than"}),
    ("I stayed for one day.", {"value": 1, "unit": "day"}),
]


@pytest.mark.parametrize(("text", "expected"), DURATIONS)
def test_duration(nlp: Language, text: str, expected: dict[str, Any]) -> None:
    durations = _of_type(nlp, text, "duration")
    assert len(durations) == 1, durations
    for key, value in expected.items():
        assert durations[0].get(key) == value, (key, durations[0])


@pytest.mark.parametrize("text", ["One day I went to the market.", "I was 14 years old."])
def test_not_a_duration(nlp: Language, text: str) -> None:
    assert _of_type(nlp, text, "duration") == []


def test_places_from_gazetteer(nlp: Language) -> None:
    text = "Ms. Jang from Hamhung City. I was taken to Yanji and then to Jilin Province."
    places = _of_type(nlp, text, "place")
    assert [(p["value"], p["kind"]) for p in places] == [
        ("Hamhung", "kp_city"),
        ("Yanji", "cn_city"),
        ("Jilin", "cn_province"),
    ]
    assert places[0]["province"] == "South Hamgyong"
    assert places[0]["text"] == "Hamhung City"
    assert places[1]["country"] == "China"


def test_lower_case_words_are_not_places(nlp: Language) -> None:
    assert _of_type(nlp, "an orang utan", "place") == []


def test_questions_are_ignored(nlp: Language) -> None:
    text = "Interviewer: Were you sold for 5000 yuan?\nRespondent: No. I was sold for 8000 yuan."
    prices = _of_type(nlp, text, "price")
    assert [p["value"] for p in prices] == [8000]


def test_status_follows_code_evidence(nlp: Language) -> None:
    # The price has no trigger of its own, but the only sale in its sentence is threatened.
    attrs = _of_type(
        nlp, "He threatened that the broker would sell me, 5000 yuan was the price.", "price"
    )
    assert attrs[0]["status"] == "threatened"


def test_offsets_point_into_text(nlp: Language) -> None:
    text = "Ms. Ri from Musan County\nI was nineteen. The broker sold me twice, for ¥8,000."
    for attr in nlp(text)._.attributes:
        assert text[attr["start"] : attr["end"]] == attr["text"]
        assert attr["status"] and attr["about"] in ("self", "other", "general")


def test_token_flags_do_not_travel_with_the_doc(nlp: Language) -> None:
    doc = nlp("I was sold for 5000 yuan.")
    assert not any(isinstance(k, tuple) and k[1] == "tc_num" for k in doc.user_data)
    # The native copies of the flags (see number_tokens.NATIVE_FIELDS) are restored too.
    assert not doc.to_array(list(NATIVE_FIELDS.values())).any()


JOINER_TEXTS = [
    "twenty-two\nthousand yuan, a hundred and fifty, an hour",
    "thirty - five years and ten - a million and - and",
    "- and a",
    "a thousand\n\nyuan and two hundred and six ninety-nine",
]


@pytest.mark.parametrize("text", JOINER_TEXTS)
def test_token_flags_match_the_word_by_word_rules(nlp: Language, text: str) -> None:
    """The vectorised flags equal is_number_joiner / is_digit_number token by token."""
    ext = nlp.get_pipe("testimonycoder_attributes_v1")
    doc = nlp.make_doc(text)
    words = [t.lower_ for t in doc]
    expected = [
        is_digit_number(w) or w in CARDINAL_WORDS or is_number_joiner(words, i, doc[i].is_space)
        for i, w in enumerate(words)
    ]
    marks = ext._flags.mark(doc)
    try:
        assert marks.num.tolist() == expected
        assert [t._.tc_num for t in doc] == expected
    finally:
        ext._flags.clear(doc, marks)


@pytest.mark.parametrize(
    ("words", "value"),
    [
        (["seven", "thousand"], 7000),
        (["twenty", "-", "two", "thousand"], 22000),
        (["24,000"], 24000),
        (["1.5", "million"], 1_500_000),
        (["a", "hundred", "and", "fifty"], 150),
        (["nineteen"], 19),
        (["fish"], None),
    ],
)
def test_parse_number(words: list[str], value: float | None) -> None:
    assert parse_number(words) == value


def test_extractor_without_gazetteer(nlp: Language) -> None:
    book = load_codebook()
    extractor = AttributeExtractor(nlp.vocab, book, nlp.make_doc, gazetteer=None)
    doc = nlp.make_doc("I was taken to Yanji for 500 yuan.")
    doc._.evidence = []
    assert [a["type"] for a in extractor.extract(doc)] == ["price"]


def test_bad_extractor_pattern_names_its_place(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import yaml

    from testimonycoder.resources import default_codebook_path

    data = yaml.safe_load(default_codebook_path().read_text(encoding="utf-8"))
    data["attributes"]["extractors"][0]["pattern"][0] = {"LEMA": "sell"}
    path = tmp_path / "book.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(CodebookError, match=r"attributes -> extractors -> 0 -> pattern"):
        load_codebook(path)


def test_unknown_attribute_key_is_an_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import yaml

    from testimonycoder.resources import default_codebook_path

    data = yaml.safe_load(default_codebook_path().read_text(encoding="utf-8"))
    data["attributes"]["curencies"] = []
    path = tmp_path / "book.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(CodebookError, match="unknown key 'curencies'"):
        load_codebook(path)


def test_gazetteer_names_for_redaction() -> None:
    gaz = load_gazetteer()
    names = gaz.names()
    assert "North Hamgyong Province" in names and "Yanji" in names
    assert names.index("North Hamgyong Province") < names.index("Yanji")  # longest first
    assert "Chongjin" in gaz.names("kp_city") and "Chongjin" not in gaz.names("cn_city")


def test_gazetteer_province_must_exist(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "g.yaml"
    path.write_text(
        "kinds:\n  kp_province: {label: P, country: NK, places: [A]}\n"
        "  kp_city: {label: C, country: NK, places: [{name: B, province: Z}]}\n",
        encoding="utf-8",
    )
    with pytest.raises(CodebookError, match="province 'Z'"):
        load_gazetteer(path)


def test_number_broken_across_lines(nlp: Language) -> None:
    # Text from PDF: the line (and so the sentence) breaks inside the amount.
    text = "the broker sold me to a man from a village for twenty-two\nthousand yuan. [The man]"
    prices = _of_type(nlp, text, "price")
    assert [(p["value"], p["text"]) for p in prices] == [(22000, "twenty-two\nthousand yuan")]


def test_age_of_the_speaker_not_of_the_person_before(nlp: Language) -> None:
    ages = _of_type(nlp, "My father died when I was eight. My mother raised pigs.", "age")
    assert [(a["value"], a["about"]) for a in ages] == [(8, "self")]
