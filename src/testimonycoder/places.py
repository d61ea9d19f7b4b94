"""Places named in a Doc, found with the gazetteer (see :mod:`testimonycoder.gazetteer`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.util import filter_spans
from spacy.vocab import Vocab

from testimonycoder.codebook import Codebook
from testimonycoder.errors import CodebookError
from testimonycoder.gazetteer import Gazetteer, load_gazetteer


class PlaceFinder:
    """Finds gazetteer places (longest match; capitalised, so "orang" is not Orang)."""

    def __init__(self, vocab: Vocab, gazetteer: Gazetteer, make_doc: Callable[[str], Doc]) -> None:
        self._matcher = PhraseMatcher(vocab, attr="LOWER")
        self._info: dict[str, dict[str, Any]] = {}
        for kind, place in gazetteer.places():
            key = f"{kind}|{place.name}"
            info = {
                "value": place.name,
                "kind": kind,
                "country": gazetteer.kinds[kind].country,
                "province": place.province,
            }
            self._info[key] = {k: v for k, v in info.items() if v is not None}
            self._matcher.add(key, [make_doc(f) for f in gazetteer.surface_forms(kind, place)])

    def __call__(self, doc: Doc) -> list[dict[str, Any]]:
        """Place attributes: ``value`` (the name), ``kind``, ``country``, ``province``, offsets."""
        spans = []
        for match_id, start, end in self._matcher(doc):
            span = doc[start:end]
            if span[0].is_title or span[0].is_upper:
                span.label_ = doc.vocab.strings[match_id]
                spans.append(span)
        return [
            {
                "type": "place",
                **self._info[span.label_],
                "rule": "gazetteer",
                "text": span.text,
                "start": span.start_char,
                "end": span.end_char,
            }
            for span in filter_spans(spans)
        ]


def gazetteer_for(codebook: Codebook, codebook_path: str | Path | None) -> Gazetteer | None:
    """The gazetteer named by the codebook: next to the codebook, else the bundled one.

    A researcher who copies the default codebook elsewhere to edit it keeps the bundled
    gazetteer unless they put their own file of that name next to the copy.
    """
    from testimonycoder.resources import config_path

    name = codebook.attributes.gazetteer
    if name is None:
        return None
    path = Path(name)
    if not path.is_absolute():
        beside = (Path(codebook_path).parent / path) if codebook_path else None
        path = beside if beside is not None and beside.exists() else config_path(name)
    if not path.exists():
        raise CodebookError(
            f"{codebook_path or 'codebook'}: [attributes -> gazetteer] '{path}' does not exist"
        )
    return load_gazetteer(path)
