"""Codebook loading: the bundled codebook is valid; bad YAMLs give errors that name their place."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from testimonycoder.codebook import load_codebook
from testimonycoder.errors import CodebookError

MINIMAL = {
    "name": "tiny",
    "version": "1",
    "codes": [
        {
            "id": "sale",
            "name": "Sale",
            "definition": "a person was sold",
            "rules": [{"id": "sale.sold", "pattern": [{"LEMMA": "sell"}, {"LOWER": "me"}]}],
        },
        {
            "id": "sale.broker",
            "name": "By broker",
            "definition": "d",
            "parent": "sale",
            "cues": [{"id": "cue.broker", "terms": ["broker"]}],
        },
    ],
    "context": {"statuses": {"negated": {"pre": ["not", "never"]}}},
}


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "codebook.yaml"
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def _mutate(fn):  # type: ignore[no-untyped-def]
    import copy

    data = copy.deepcopy(MINIMAL)
    fn(data)
    return data


def test_bundled_codebook_is_valid() -> None:
    book = load_codebook()
    assert book.top_level == [
        "coercion",
        "abduction",
        "sale",
        "prostitution",
        "cybersex",
        "forced_marriage",
    ]
    assert set(book.subcodes) == {
        "coercion.north_korea",
        "coercion.china",
        "abduction.china",
        "sale.broker",
        "sale.police_official",
        "sale.citizen",
    }
    assert len(book.hash) == 16


def test_minimal_codebook_loads(tmp_path: Path) -> None:
    book = load_codebook(_write(tmp_path, MINIMAL))
    assert book.top_level == ["sale"] and book.subcodes == ["sale.broker"]


def test_hash_ignores_options_left_at_their_defaults(tmp_path: Path) -> None:
    """An option added in a later version, unused, must not invalidate models trained before."""
    a = load_codebook(_write(tmp_path, MINIMAL)).hash
    explicit = copy.deepcopy(MINIMAL)
    explicit["context"].update({"condition_words": [], "condition_statuses": []})
    assert load_codebook(_write(tmp_path, explicit)).hash == a
    explicit["context"]["condition_words"] = ["if"]
    assert load_codebook(_write(tmp_path, explicit)).hash != a


def test_hash_ignores_formatting(tmp_path: Path) -> None:
    a = load_codebook(_write(tmp_path, MINIMAL)).hash
    path = tmp_path / "b.yaml"
    path.write_text("# a comment\n" + yaml.safe_dump(MINIMAL, indent=4), encoding="utf-8")
    assert load_codebook(path).hash == a


BAD = [
    (
        lambda d: d["codes"][0]["rules"][0].update({"lema": "x"}),
        "[codes -> 0 -> rules -> 0] unknown key 'lema'",
    ),
    (
        lambda d: d["codes"][0]["rules"][0]["pattern"][0].update({"LEMA": "sell"}),
        "unknown key 'LEMA'",
    ),
    (
        lambda d: d["codes"][0]["rules"][0].update({"pattern": [{"LOWER": {"INN": ["a"]}}]}),
        "[codes -> 0 -> rules -> 0 -> pattern] invalid spaCy pattern",
    ),
    (
        lambda d: d["codes"][1].update({"parent": "nothing"}),
        "names parent 'nothing', which is not a code",
    ),
    (lambda d: d["codes"].append(dict(d["codes"][0])), "duplicate code id 'sale'"),
    (lambda d: d["codes"][0].update({"colour": "red"}), "[codes -> 0 -> colour]"),
    (lambda d: d["codes"][0].update({"id": "Sale Code"}), "[codes -> 0 -> id]"),
    (lambda d: d.pop("codes"), "missing key 'codes'"),
    (
        lambda d: d["context"]["statuses"].update({"maybe": {"pre": ["x"]}}),
        "unknown status 'maybe'",
    ),
    (
        lambda d: d["context"].update({"condition_statuses": ["refused", "maybe"]}),
        "[context -> condition_statuses] unknown status 'maybe'",
    ),
    (
        lambda d: d["codes"][0]["rules"][0].update({"terms": ["x"]}),
        "give exactly one of 'pattern' or 'terms'",
    ),
    (
        lambda d: d["codes"][1]["cues"].append({"id": "sale.sold", "terms": ["y"]}),
        "duplicate rule id 'sale.sold'",
    ),
    (lambda d: d.update({"extra": 1}), "unknown key 'extra'"),
    (
        lambda d: d["codes"][0]["rules"][0].update({"veto_window": -1}),
        "[codes -> 0 -> rules -> 0 -> veto_window]",
    ),
]


@pytest.mark.parametrize(("mutate", "message"), BAD)
def test_bad_codebooks(tmp_path: Path, mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    path = _write(tmp_path, _mutate(mutate))
    with pytest.raises(CodebookError) as err:
        load_codebook(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("codes: [unclosed", "line"),
        ("- just\n- a list\n", "must be a YAML mapping"),
        ("!!python/object/apply:os.system ['echo hi']", "could not determine a constructor"),
    ],
)
def test_bad_yaml(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(CodebookError, match=r"codebook\.yaml") as err:
        load_codebook(_write(tmp_path, content))
    assert message in str(err.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CodebookError, match="not found"):
        load_codebook(tmp_path / "nope.yaml")


def test_unquoted_on_off_hint(tmp_path: Path) -> None:
    text = (
        yaml.safe_dump(MINIMAL).replace("LOWER: me", "LOWER: {IN: [me, on]}").replace("'on'", "on")
    )
    path = tmp_path / "codebook.yaml"
    path.write_text(text.replace("{IN: [me, 'on']}", "{IN: [me, on]}"), encoding="utf-8")
    with pytest.raises(CodebookError, match="quote them"):
        load_codebook(path)
