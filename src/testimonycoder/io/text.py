"""Decoding text files: UTF-8 (with or without BOM), or a detected legacy encoding.

Korean transcripts are often saved in CP949/EUC-KR. We decode UTF-8 strictly first and fall back
to ``charset-normalizer`` detection; a file that still cannot be decoded, or that looks binary, is
an :class:`InputError` that names the file. Line endings are kept as they are, so character offsets
point into exactly the text that was read (a UTF-8 BOM is not part of the text).
"""

from __future__ import annotations

from pathlib import Path

from testimonycoder.errors import InputError

_BINARY_SAMPLE = 8192


def decode_bytes(data: bytes, *, name: str) -> str:
    """Decode ``data`` read from the file ``name`` (used in error messages)."""
    if b"\x00" in data[:_BINARY_SAMPLE]:
        raise InputError(
            f"{name}: looks like a binary file (NUL bytes), not text; export it as .txt first"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["cp949", "euc_kr", "utf_16", "cp1252", "latin_1"]).best()
    if best is None or best.encoding in {"utf_8"}:
        raise InputError(
            f"{name}: not valid UTF-8 (byte {utf8_error.start}) and no other encoding fits; "
            "re-save the file as UTF-8"
        )
    if best.encoding in {"cp1252", "latin_1"} and _looks_korean_garbled(data):
        raise InputError(f"{name}: encoding could not be determined; re-save the file as UTF-8")
    return str(best)


def _looks_korean_garbled(data: bytes) -> bool:
    try:
        data.decode("cp949")
        return True
    except UnicodeDecodeError:
        return False


def read_text_file(path: Path) -> str:
    """Read and decode one text file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    return decode_bytes(data, name=str(path))
