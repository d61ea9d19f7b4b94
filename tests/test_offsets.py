"""Offsets survive line-ending, BOM and UTF-16 differences between tools."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from testimonycoder.io.offsets import Counting, choose_map, normalize_text, unit_map

PIECES = st.sampled_from(["a", "b", " ", "\r\n", "\n", "\r", "😀", "가", "é"])


def _utf16(text: str, i: int) -> int:
    return len(text[:i].encode("utf-16-le")) // 2


@given(st.lists(PIECES, min_size=1, max_size=40), st.booleans(), st.data())
@settings(max_examples=200, deadline=None)
def test_standard_map_keeps_span_text(pieces: list[str], bom: bool, data) -> None:
    raw = ("\ufeff" if bom else "") + "".join(pieces)
    body = raw.removeprefix("\ufeff")
    # boundaries a tool can give: never between the "\r" and "\n" of one line break
    cuts = [i for i in range(len(body) + 1) if body[i - 1 : i + 1] != "\r\n" or i == 0]
    start = data.draw(st.sampled_from(cuts))
    end = data.draw(st.sampled_from([c for c in cuts if c >= start]))
    m = unit_map(raw)
    final = normalize_text(raw)
    assert len(m) == len(body) + 1 and m[-1] == len(final)
    assert final[m[start] : m[end]] == normalize_text(body[start:end])


def test_choose_map_detects_tool_countings() -> None:
    raw = "Q: hello\r\nA: he sold me 😀 then\r\nA: kidnapped"
    final = normalize_text(raw)
    phrases = ["sold me", "kidnapped"]
    for counting in (
        Counting(),
        Counting(newline_width=1),
        Counting(utf16=True),
        Counting(utf16=True, newline_width=1),
    ):
        # offsets as that tool would count them
        tool = raw.replace("\r\n", "\n") if counting.newline_width == 1 else raw
        spans = []
        for p in phrases:
            i = tool.index(p)
            s = _utf16(tool, i) if counting.utf16 else i
            e = _utf16(tool, i + len(p)) if counting.utf16 else i + len(p)
            spans.append((s, e, p))
        m, found = choose_map(raw, spans)
        assert [final[m[s] : m[e]] for s, e, _ in spans] == phrases, counting
        assert found.utf16 == counting.utf16
