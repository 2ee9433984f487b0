"""Admin uploads of season files: safe names, size limits and a first check that a file is what it claims.

A file's name may carry one sub-directory of the season layout (``metrics/douyin.csv``); anything
else — ``..``, absolute paths, backslashes, control characters, hidden files, unknown extensions —
is refused before a byte is written.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import unicodedata
import zipfile
from pathlib import PurePosixPath

from fanxing.service.errors import ApiError

SEASON_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
SUBDIRS = ("metrics", "surveys", "mappings")
EXTENSIONS = (".csv", ".tsv", ".csv.gz", ".tsv.gz", ".parquet", ".jsonl", ".xlsx", ".yaml", ".yml", ".txt", ".md")
_PART = re.compile(r"^[^\x00-\x1f\x7f/\\:*?\"<>|%]{1,128}$")


def check_season_name(name: str) -> str:
    if not SEASON_NAME.match(name) or ".." in name:
        raise ApiError(422, f"invalid season name {name!r}: use letters, digits, '_', '-', '.' (max 64), "
                            "starting with a letter or digit", code="invalid_name", details={"name": name})
    return name


def safe_relpath(filename: str | None) -> str:
    """A season-relative path for an uploaded file, or ApiError(422) explaining why it is refused."""
    raw = unicodedata.normalize("NFKC", filename or "")
    refuse = lambda why: ApiError(422, f"refused file name {filename!r}: {why}",  # noqa: E731
                                  code="invalid_filename", details={"filename": filename, "reason": why})
    if not raw:
        raise refuse("empty")
    if "\\" in raw or "\x00" in raw:
        raise refuse("backslashes and NUL characters are not allowed")
    if PurePosixPath(raw).is_absolute() or raw.startswith("~"):
        raise refuse("absolute paths are not allowed")
    parts = tuple(raw.split("/"))
    if any(part in ("..", ".", "") for part in parts):
        raise refuse("'..', '.' and empty path segments are not allowed")
    if len(parts) > 2 or (len(parts) == 2 and parts[0] not in SUBDIRS):
        raise refuse(f"a file goes in the season directory or one of {', '.join(SUBDIRS)}/")
    if any(part.startswith(".") or not _PART.match(part) for part in parts):
        raise refuse("hidden files and control or reserved characters are not allowed")
    if not raw.lower().endswith(EXTENSIONS):
        raise refuse(f"unsupported extension; expected one of {', '.join(EXTENSIONS)}")
    return "/".join(parts)


def _decodes(data: bytes) -> bool:
    return _decodes_as(data, "utf-8-sig") or _decodes_as(data, "gb18030")


def check_content(relpath: str, data: bytes) -> None:
    """Refuse a file whose bytes do not match its kind (clear message, code ``malformed_file``)."""
    name = relpath.lower()

    def bad(why: str) -> ApiError:
        return ApiError(422, f"{relpath}: {why}", code="malformed_file", details={"file": relpath, "reason": why})

    if not data:
        raise bad("the file is empty")
    if name.endswith(".gz"):
        try:
            data = gzip.GzipFile(fileobj=io.BytesIO(data)).read(1 << 20)
        except (OSError, EOFError) as exc:
            raise bad(f"not a valid gzip file ({exc})") from exc
        name = name[:-3]
    if name.endswith(".parquet"):
        if not (data[:4] == b"PAR1" and data[-4:] == b"PAR1"):
            raise bad("not a Parquet file (missing the PAR1 magic bytes)")
    elif name.endswith(".xlsx"):
        if not zipfile.is_zipfile(io.BytesIO(data)):
            raise bad("not an .xlsx workbook (not a zip archive)")
    elif name.endswith((".csv", ".tsv", ".txt", ".md")):
        if b"\x00" in data[:65536]:
            raise bad("binary content in a text file (NUL bytes)")
        if not _decodes(data):
            raise bad("not UTF-8 or GB18030 text")
        enc = "utf-8-sig" if _decodes_as(data, "utf-8-sig") else "gb18030"
        lines = data[:65536].decode(enc, errors="ignore").splitlines()
        first = lines[0] if lines else ""
        sep = "\t" if name.endswith(".tsv") else ","
        if name.endswith((".csv", ".tsv")) and sep not in first:
            raise bad(f"the header line has no {sep!r}-separated columns: {first[:80]!r}")
    elif name.endswith(".jsonl"):
        if not _decodes(data):
            raise bad("not UTF-8 text")
        text = data.decode("utf-8-sig", errors="replace")
        for i, line in enumerate(text.splitlines()[:5], start=1):
            if line.strip():
                try:
                    if not isinstance(json.loads(line), dict):
                        raise bad(f"line {i} is not a JSON object")
                except ValueError as exc:
                    raise bad(f"line {i} is not valid JSON ({exc})") from exc
    elif name.endswith((".yaml", ".yml")):
        import yaml

        try:
            yaml.safe_load(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, yaml.YAMLError) as exc:
            raise bad(f"not valid YAML ({str(exc).splitlines()[0]})") from exc


def _decodes_as(data: bytes, enc: str) -> bool:
    try:
        data.decode(enc)
        return True
    except UnicodeDecodeError:
        return False
