"""The hash/layout pass in a background thread (large files) gives the same results as inline."""

from __future__ import annotations

import random

import pytest
import test_formats
from season_helpers import HEADER, quarantine, rows, write_season

from fanxing.season import encoding as E
from fanxing.season import ingest_season, readers
from fanxing.season import lines as L
from fanxing.warehouse import Warehouse


@pytest.fixture
def background(monkeypatch):
    """Every file counts as large: its hash (csv/tsv: and layout) pass runs alongside the read."""
    monkeypatch.setattr(readers, "BACKGROUND_BYTES", 0, raising=False)


def test_encodings_with_background_pass(tmp_path, load, background):
    test_formats.test_encodings_and_chinese_headers(tmp_path, load)  # incl. late GB18030 → re-read


def test_line_numbers_with_background_pass(tmp_path, load, background):
    test_formats.test_line_numbers_with_blank_lines_and_malformed_rows(tmp_path, load)


def test_utf8_mapping_on_non_utf8_file_with_background_pass(tmp_path, load, background):
    late = HEADER + "".join(f"2024-04-{1 + i % 28:02d},douyin,d1,{i},1,0.1\n" for i in range(40000))
    season = write_season(tmp_path / "s", metrics={"late.csv": (late + "2024-04-01,抖音,d2,9,9,0.9\n").encode("gb18030")},
                          files={"mappings/m.yaml": 'files: ["metrics/late.csv"]\nencoding: utf-8\n'})
    report, wh = load(season)
    f = {x.file: x for x in report.files}["metrics/late.csv"]
    assert f.status == "error" and "not valid UTF-8" in f.error and len(f.sha256) == 64
    assert not len(rows(wh, "facts"))


def test_reload_and_renamed_copy_are_skipped(tmp_path, background):
    body = HEADER + "2024-05-01,douyin,d1,1,1,0.1\n2024-05-02,douyin,d1,x,1,0.1\n"
    season = write_season(tmp_path / "s", metrics={"a.csv": body})
    with Warehouse.connect(tmp_path / "w.duckdb") as wh:
        first = ingest_season(season, wh)
        (season / "metrics" / "b.csv").write_text(body, encoding="utf-8")  # same content, new name
        again = ingest_season(season, wh)
        log = wh.con.table("load_log").execute()
        n_facts, n_q = len(rows(wh, "facts")), len(quarantine(wh))
    assert {f.file: f.status for f in first.files} == {"dramas.csv": "loaded", "metrics/a.csv": "loaded"}
    assert {f.file: f.status for f in again.files} == {
        "dramas.csv": "skipped", "metrics/a.csv": "skipped", "metrics/b.csv": "skipped"}
    assert (n_facts, n_q) == (1, 1)
    sha = log[log.file == "metrics/a.csv"].sha256.tolist()
    assert len(set(sha)) == 1 and log[log.file == "metrics/b.csv"].sha256.tolist() == sha[:1]


def _reference_layout(path):
    n, blank, last = 0, False, b"\n"
    with open(path, "rb") as fh:
        while chunk := fh.read(E.CHUNK):
            n += chunk.count(b"\n")
            if not blank:
                joined = last[-2:] + chunk
                blank = b"\n\n" in joined or b"\n\r\n" in joined
            last = chunk
    if last and not last.endswith(b"\n"):
        n += 1
    return n, blank


def test_layout_matches_the_plain_scan_across_chunk_boundaries(tmp_path):
    cases = [b"", b"\n", b"\r\n", b"a", b"a\n", b"a\n\nb", b"a\r\n\r\nb", b"a\n\r\nb", b"a\r\nb\r\n", b"\n\r\n"]
    for k in (E.CHUNK - 3, E.CHUNK - 2, E.CHUNK - 1, E.CHUNK, E.CHUNK + 1):
        for pat in (b"\n\n", b"\n\r\n", b"\r\n", b"x\n"):
            cases.append(b"a" * k + pat + b"zz\n")
    rng = random.Random(1)
    cases += [bytes(rng.choice(b"ab\n\r") for _ in range(rng.randint(0, 60))) for _ in range(40)]
    for i, data in enumerate(cases):
        p = tmp_path / f"{i}.csv"
        p.write_bytes(data)
        lay = L.layout(p)
        assert (lay.n_lines, lay.has_blank) == _reference_layout(p), (i, len(data))


def test_parquet_hashed_in_the_background_is_skipped_and_named(tmp_path, background):
    """A binary file's hash runs beside the engine's read: a reload and a renamed copy are skipped,
    the hash is the file's sha256, and a file the engine cannot read still gets its hash."""
    import hashlib
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.table({"date": ["2024-05-01"], "platform": ["douyin"], "drama_id": ["d1"], "plays": [3]}), buf)
    season = write_season(tmp_path / "s", metrics={"a.parquet": buf.getvalue(), "bad.parquet": b"PAR1 not really"})
    with Warehouse.connect(tmp_path / "w.duckdb") as wh:
        first = ingest_season(season, wh)
        (season / "metrics" / "b.parquet").write_bytes(buf.getvalue())
        again = ingest_season(season, wh)
        n_facts = len(rows(wh, "facts"))
    f1 = {f.file: f for f in first.files}
    assert f1["metrics/a.parquet"].status == "loaded"
    assert f1["metrics/a.parquet"].sha256 == hashlib.sha256(buf.getvalue()).hexdigest()
    assert f1["metrics/bad.parquet"].status == "error"
    assert f1["metrics/bad.parquet"].sha256 == hashlib.sha256(b"PAR1 not really").hexdigest()
    assert {f.file: f.status for f in again.files if f.file != "metrics/bad.parquet"} == {
        "dramas.csv": "skipped", "metrics/a.parquet": "skipped", "metrics/b.parquet": "skipped"}
    assert n_facts == 1
