"""Label Studio and doccano: export codings as pre-annotations, import their exports.

Export (``testimonycoder export CODED.jsonl --texts INPUT --to labelstudio|doccano --out FILE``):

- **Label Studio**: a JSON list of tasks ``{"data": {"text", "doc_id"}, "predictions": [...]}``
  (the documented "import pre-annotated data" format). Each asserted evidence span is a ``labels``
  result ``{"from_name": "label", "to_name": "text", "value": {"start", "end", "text",
  "labels": [code]}}``; the document's codes are a ``choices`` result from ``codes``. The matching
  labeling config comes from ``testimonycoder codebook export --out config.xml``.
- **doccano**: JSON Lines ``{"text", "label": [[start, end, code], ...], "doc_id", "codes"}``, the
  sequence-labeling import format (extra keys become metadata).

Texts are exported without BOM and with LF line endings, offsets moved to match (see
:mod:`testimonycoder.io.offsets`). Only ``asserted`` evidence is exported unless other statuses are
asked for: a negated "sold" is not evidence of sale for an annotator.

Import (used by :func:`testimonycoder.io.annotations.load_annotated`):

- :func:`read_labelstudio`: a Label Studio "JSON" export (list of tasks with ``annotations``) or
  "JSON-MIN" export (one flat record per annotation); the coder is ``completed_by`` (e-mail or
  user number) or ``annotator``; cancelled annotations are skipped; offsets are checked against
  each region's stored ``text`` (some Label Studio versions counted UTF-16 units).
- :func:`read_doccano`: a doccano JSONL export: ``label``/``labels`` as ``[start, end, label]``
  triples (sequence labeling) or label strings (classification), or ``entities`` with
  ``start_offset``/``end_offset``; the coder is the record's ``user`` or the file name (doccano
  writes one file per user, e.g. ``admin.jsonl``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from testimonycoder import __version__
from testimonycoder.codebook import Codebook
from testimonycoder.document import Document
from testimonycoder.errors import InputError
from testimonycoder.io.atomic import write_bytes_atomic
from testimonycoder.io.code_map import resolve_all
from testimonycoder.io.offsets import Counting, choose_map, normalize_text, unit_map
from testimonycoder.io.readers import iter_jsonl_records, read_documents
from testimonycoder.io.refi_import import annotations_frame

FORMATS = ("labelstudio", "doccano")


# ------------------------------------------------------------------------------------ export


def labelstudio_config(codebook: Codebook) -> str:
    """The Label Studio labeling config (XML) matching :func:`labelstudio_tasks`."""
    from xml.sax.saxutils import quoteattr

    labels = "\n".join(
        f"    <Label value={quoteattr(c.id)} background={quoteattr(c.colour)}/>"
        for c in codebook.codes
    )
    choices = "\n".join(f"    <Choice value={quoteattr(c.id)}/>" for c in codebook.codes)
    return (
        "<View>\n"
        '  <Labels name="label" toName="text">\n'
        f"{labels}\n"
        "  </Labels>\n"
        '  <Text name="text" value="$text"/>\n'
        '  <Header value="Codes of the whole testimony"/>\n'
        '  <Choices name="codes" toName="text" choice="multiple" showInLine="true">\n'
        f"{choices}\n"
        "  </Choices>\n"
        "</View>\n"
    )


def doccano_labels(codebook: Codebook) -> list[dict[str, str]]:
    """doccano's label import file: ``[{"text", "background_color", "text_color"}]``."""
    return [
        {"text": c.id, "background_color": c.colour.lower(), "text_color": "#ffffff"}
        for c in codebook.codes
    ]


def _spans(record: dict[str, Any], doc: Document, statuses: Sequence[str]) -> list[dict[str, Any]]:
    offsets = unit_map(doc.text, Counting(bom=True))  # evidence offsets count a leading BOM
    out = []
    for ev in record.get("evidence", []):
        if ev.get("status", "asserted") not in statuses:
            continue
        start, end = int(ev["start"]), int(ev["end"])
        if not 0 <= start <= end <= len(doc.text):
            raise InputError(
                f"document '{doc.id}': evidence {ev['code']} [{start}:{end}] lies outside the "
                "text; pass the same --texts the documents were coded from"
            )
        out.append({**ev, "start": offsets[start], "end": offsets[end]})
    return out


def labelstudio_task(
    record: dict[str, Any], doc: Document, *, model_name: str, statuses: Sequence[str]
) -> dict[str, Any]:
    """One Label Studio task with the coding as a prediction."""
    text = normalize_text(doc.text)
    result: list[dict[str, Any]] = []
    for i, ev in enumerate(_spans(record, doc, statuses)):
        region: dict[str, Any] = {
            "id": f"ev{i}",
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "value": {
                "start": ev["start"],
                "end": ev["end"],
                "text": text[ev["start"] : ev["end"]],
                "labels": [ev["code"]],
            },
        }
        if ev.get("score") is not None:
            region["score"] = ev["score"]
        result.append(region)
    codes = [*record.get("codes", []), *record.get("subcodes", [])]
    if codes:
        result.append(
            {
                "id": "codes",
                "from_name": "codes",
                "to_name": "text",
                "type": "choices",
                "value": {"choices": codes},
            }
        )
    scores = record.get("scores") or {}
    prediction: dict[str, Any] = {"model_version": model_name, "result": result}
    if scores:
        prediction["score"] = round(max(scores.values()), 4)
    return {"data": {"text": text, "doc_id": doc.id}, "predictions": [prediction]}


def doccano_record(
    record: dict[str, Any], doc: Document, *, statuses: Sequence[str]
) -> dict[str, Any]:
    """One doccano sequence-labeling line with the coding as labels."""
    spans = _spans(record, doc, statuses)
    return {
        "text": normalize_text(doc.text),
        "label": [[ev["start"], ev["end"], ev["code"]] for ev in spans],
        "doc_id": doc.id,
        "codes": [*record.get("codes", []), *record.get("subcodes", [])],
    }


def read_coded(path: Path) -> dict[str, dict[str, Any]]:
    """The records of a ``code --out coded.jsonl`` file, by document id."""
    out: dict[str, dict[str, Any]] = {}
    for lineno, rec in iter_jsonl_records(path):
        if "id" not in rec or "evidence" not in rec:
            raise InputError(
                f"{path}:{lineno}: not a coding record (needs 'id' and 'evidence'); give the "
                "JSONL written by 'testimonycoder code --out coded.jsonl'"
            )
        out[str(rec["id"])] = rec
    if not out:
        raise InputError(f"{path}: holds no codings")
    return out


def export_annotations(
    coded: Path,
    texts: Iterable[Path],
    out: Path,
    *,
    to: str,
    statuses: Sequence[str] = ("asserted",),
    id_column: str = "id",
    text_column: str = "text",
    force: bool = False,
    shared: bool = False,
) -> int:
    """Write the codings in ``coded`` with the texts of ``texts`` for Label Studio or doccano.

    Returns:
        The number of documents written.

    Raises:
        InputError: a coding without its text (or the reverse), or offsets outside the text.
        OutputError: ``out`` cannot be written or exists without ``force``.
    """
    if to not in FORMATS:
        raise InputError(f"unknown format '{to}'; use one of {', '.join(FORMATS)}")
    records = read_coded(coded)
    model_name = f"testimonycoder {__version__}"
    items: list[Any] = []
    seen: set[str] = set()
    for doc in read_documents(list(texts), id_column=id_column, text_column=text_column):
        record = records.get(doc.id)
        if record is None:
            continue  # a text that was not coded in this run
        seen.add(doc.id)
        if to == "labelstudio":
            items.append(labelstudio_task(record, doc, model_name=model_name, statuses=statuses))
        else:
            items.append(doccano_record(record, doc, statuses=statuses))
    missing = sorted(set(records) - seen)
    if missing:
        raise InputError(
            f"{coded}: {len(missing)} coded documents have no text in the --texts inputs "
            f"(e.g. '{missing[0]}'); pass the inputs that were coded"
        )
    if to == "labelstudio":
        data = orjson.dumps(items, option=orjson.OPT_INDENT_2) + b"\n"
    else:
        data = b"".join(orjson.dumps(item) + b"\n" for item in items)
    write_bytes_atomic(out, data, force=force, shared=shared)
    return len(items)


# ------------------------------------------------------------------------------------ import


def _coder(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("email") or value.get("username") or value.get("id") or "unknown")
    if value is None or value == "":
        return "unknown"
    return f"labelstudio-user-{value}" if isinstance(value, int) else str(value)


def _task_text(task: dict[str, Any], where: str, text_key: str) -> tuple[str, str]:
    data = task.get("data")
    if not isinstance(data, dict) or not isinstance(data.get(text_key), str):
        raise InputError(
            f"{where}: task has no data.{text_key}; export the project as Label Studio 'JSON' "
            "with a text field named 'text'"
        )
    doc_id = data.get("doc_id") or data.get("id") or f"task-{task.get('id', '?')}"
    return str(doc_id), data[text_key]


def read_labelstudio(
    path: Path,
    *,
    codebook: Codebook,
    code_map: dict[str, str | None] | None = None,
    text_key: str = "text",
    include_predictions: bool = False,
) -> tuple[dict[str, str], pd.DataFrame]:
    """Read a Label Studio JSON export as ``(texts, long-format annotations)``.

    ``include_predictions`` also reads model ``predictions`` (coder = their ``model_version``),
    e.g. to read back a pre-annotation file.
    """
    try:
        tasks = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a readable Label Studio JSON export ({exc})") from None
    if not isinstance(tasks, list):
        raise InputError(f"{path}: a Label Studio JSON export is a list of tasks")
    texts: dict[str, str] = {}
    raw_rows: list[tuple[str, str, str, int | None, int | None, str]] = []
    for i, task in enumerate(tasks):
        where = f"{path}: task {i}"
        if not isinstance(task, dict):
            raise InputError(f"{where}: each task must be a JSON object")
        if "data" not in task and text_key in task:
            task = _from_json_min(task, text_key)
        doc_id, raw = _task_text(task, where, text_key)
        if doc_id in texts:
            raise InputError(f"{where}: document id '{doc_id}' appears twice")
        runs = [
            (_coder(a.get("completed_by")), a.get("result") or [])
            for a in task.get("annotations") or []
            if isinstance(a, dict) and not a.get("was_cancelled")
        ]
        if include_predictions:
            runs += [
                (str(p.get("model_version") or "prediction"), p.get("result") or [])
                for p in task.get("predictions") or []
                if isinstance(p, dict)
            ]
        regions = [(coder, r) for coder, results in runs for r in results if isinstance(r, dict)]
        spans = [
            (r["value"]["start"], r["value"]["end"], r["value"].get("text"))
            for _, r in regions
            if r.get("type") == "labels" and _is_span(r.get("value"))
        ]
        offsets, _ = choose_map(raw, spans)
        texts[doc_id] = normalize_text(raw)
        for coder, r in regions:
            value = r.get("value") or {}
            if r.get("type") == "labels" and _is_span(value):
                start, end = int(value["start"]), int(value["end"])
                if not 0 <= start <= end < len(offsets):
                    raise InputError(
                        f"{where}: region {r.get('id')} [{start}:{end}] lies outside the text"
                    )
                for label in value.get("labels") or []:
                    raw_rows.append((doc_id, coder, str(label), offsets[start], offsets[end], ""))
            elif r.get("type") == "choices":
                for label in value.get("choices") or []:
                    raw_rows.append((doc_id, coder, str(label), None, None, ""))
    if not raw_rows and not include_predictions and any(t.get("predictions") for t in tasks):
        raise InputError(
            f"{path}: holds predictions but no annotations; annotate the tasks in Label Studio "
            "and export them (a pre-annotation file is not training data)"
        )
    return texts, _resolved_frame(raw_rows, codebook, code_map, str(path))


def _from_json_min(task: dict[str, Any], text_key: str) -> dict[str, Any]:
    """A Label Studio "JSON-MIN" record as a full task.

    JSON-MIN flattens one annotation per record: the data fields, ``annotator``, and one key
    per control: span regions (lists of ``{start, end, text, labels}``) and, for the ``codes``
    control of our labeling config, the chosen codes (a string, a list or ``{"choices": [...]}``).
    """
    result: list[dict[str, Any]] = []
    for key, value in task.items():
        if (
            isinstance(value, list)
            and value
            and all(isinstance(v, dict) and "labels" in v for v in value)
        ):
            result += [
                {"id": f"{key}{j}", "type": "labels", "value": v} for j, v in enumerate(value)
            ]
    codes = task.get("codes")
    if isinstance(codes, dict):
        codes = codes.get("choices")
    if isinstance(codes, str):
        codes = [codes]
    if isinstance(codes, list):
        result.append({"id": "codes", "type": "choices", "value": {"choices": codes}})
    data = {text_key: task[text_key]}
    if task.get("doc_id"):
        data["doc_id"] = task["doc_id"]
    return {
        "id": task.get("id"),
        "data": data,
        "annotations": [{"completed_by": task.get("annotator"), "result": result}],
    }


def _is_span(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("start"), int)
        and isinstance(value.get("end"), int)
    )


def _resolved_frame(
    raw_rows: list[tuple[str, str, str, int | None, int | None, str]],
    codebook: Codebook,
    code_map: dict[str, str | None] | None,
    source: str,
) -> pd.DataFrame:
    mapping = resolve_all((r[2] for r in raw_rows), codebook, code_map, source=source)
    rows = [
        {
            "doc_id": d,
            "coder": c,
            "code": mapping[label],
            "start": s,
            "end": e,
            "status": status or None,
        }
        for d, c, label, s, e, status in raw_rows
        if mapping[label] is not None
    ]
    return annotations_frame(rows)


def _doccano_labels(rec: dict[str, Any], where: str) -> list[tuple[int | None, int | None, str]]:
    out: list[tuple[int | None, int | None, str]] = []
    if isinstance(rec.get("entities"), list):
        for ent in rec["entities"]:
            try:
                out.append((int(ent["start_offset"]), int(ent["end_offset"]), str(ent["label"])))
            except (KeyError, TypeError, ValueError):
                raise InputError(
                    f"{where}: entities need start_offset, end_offset and label"
                ) from None
    labels = rec.get("label", rec.get("labels", []))
    for item in labels if isinstance(labels, list) else [labels]:
        if isinstance(item, str):
            out.append((None, None, item))
        elif isinstance(item, list | tuple) and len(item) == 3:
            try:
                out.append((int(item[0]), int(item[1]), str(item[2])))
            except (TypeError, ValueError):
                raise InputError(f"{where}: label {item!r} is not [start, end, label]") from None
        else:
            raise InputError(f"{where}: label {item!r} is neither a label nor [start, end, label]")
    return out


def read_doccano(
    path: Path,
    *,
    codebook: Codebook,
    code_map: dict[str, str | None] | None = None,
) -> tuple[dict[str, str], pd.DataFrame]:
    """Read a doccano JSONL export as ``(texts, long-format annotations)``."""
    texts: dict[str, str] = {}
    raw_rows: list[tuple[str, str, str, int | None, int | None, str]] = []
    for lineno, rec in iter_jsonl_records(path):
        where = f"{path}:{lineno}"
        raw = rec.get("text", rec.get("data"))
        if not isinstance(raw, str):
            raise InputError(f"{where}: no 'text' field; is this a doccano JSONL export?")
        doc_id = str(rec.get("doc_id") or rec.get("id") or f"line-{lineno}")
        if doc_id in texts:
            raise InputError(f"{where}: document id '{doc_id}' appears twice")
        texts[doc_id] = normalize_text(raw)
        offsets = unit_map(raw)
        coder = str(rec.get("user") or rec.get("annotator") or path.stem)
        for start, end, label in _doccano_labels(rec, where):
            if start is None or end is None:
                raw_rows.append((doc_id, coder, label, None, None, ""))
                continue
            if not 0 <= start <= end < len(offsets):
                raise InputError(f"{where}: label [{start}, {end}, {label}] lies outside the text")
            raw_rows.append((doc_id, coder, label, offsets[start], offsets[end], ""))
    if not texts:
        raise InputError(f"{path}: holds no records")
    return texts, _resolved_frame(raw_rows, codebook, code_map, str(path))
