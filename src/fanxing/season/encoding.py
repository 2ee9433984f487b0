"""Text encodings: detect UTF-8 (with or without BOM) vs GB18030/GBK, transcode in a streamed way."""

from __future__ import annotations

import codecs
import gzip
from pathlib import Path
from typing import BinaryIO

from fanxing.errors import UnreadableFileError

SNIFF_BYTES = 1 << 20
CHUNK = 1 << 22
#: names a mapping file may give, normalised to the codec we use
ALIASES = {
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8",
    "utf8-sig": "utf-8",
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "gb18030": "gb18030",
    "cp936": "gb18030",
}


def open_binary(path: Path) -> BinaryIO:
    """The file's bytes, transparently gunzipped for ``.gz``."""
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")


def normalise_encoding(name: str) -> str:
    key = name.strip().lower().replace("_", "-")
    if key in ALIASES:
        return ALIASES[key]
    try:
        return codecs.lookup(key).name
    except LookupError as exc:
        raise ValueError(f"unknown encoding {name!r} (use utf-8 or gb18030)") from exc


def detect(path: Path, display: str) -> str:
    """``utf-8`` or ``gb18030`` (GBK is a subset), judged on the first megabyte.

    A UTF-8 file whose first megabyte is plain ASCII and which turns non-UTF-8 later is caught by
    the reader (invalid-unicode rows) and re-read as GB18030.
    """
    try:
        with open_binary(path) as fh:
            head = fh.read(SNIFF_BYTES)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise UnreadableFileError(f"{display}: cannot be read ({exc})", details={"file": display}) from exc
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise UnreadableFileError(
            f"{display}: is not a text table (binary content); expected UTF-8 or GB18030 text",
            details={"file": display},
        )
    if _decodes(head, "utf-8"):
        return "utf-8"
    if _decodes(head, "gb18030"):
        return "gb18030"
    raise UnreadableFileError(
        f"{display}: unknown text encoding (neither UTF-8 nor GB18030/GBK); save it as UTF-8 "
        "or name the encoding in a mapping file",
        details={"file": display},
    )


def _decodes(data: bytes, encoding: str) -> bool:
    dec = codecs.getincrementaldecoder(encoding)()
    try:
        dec.decode(data, final=False)  # a character cut at the end of the sample is fine
    except UnicodeDecodeError:
        return False
    return True


def transcode(path: Path, encoding: str, dest: Path, display: str) -> Path:
    """Write ``path`` (gunzipped if needed) re-encoded as UTF-8 to ``dest``, chunk by chunk."""
    dec = codecs.getincrementaldecoder(encoding)()
    try:
        with open_binary(path) as src, open(dest, "wb") as out:
            while chunk := src.read(CHUNK):
                out.write(dec.decode(chunk).encode("utf-8"))
            out.write(dec.decode(b"", final=True).encode("utf-8"))
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(
            f"{display}: not valid {encoding} at byte {exc.start} of its text; save it as UTF-8 "
            "or name the right encoding in a mapping file",
            details={"file": display, "encoding": encoding},
        ) from exc
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise UnreadableFileError(f"{display}: cannot be read ({exc})", details={"file": display}) from exc
    return dest
