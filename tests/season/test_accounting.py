"""Property: for any mixture of good and bad rows, read = loaded + merged + quarantined."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from season_helpers import DRAMAS, HEADER

from fanxing.season import ingest_season
from fanxing.warehouse import Warehouse

GOOD = st.tuples(st.sampled_from(["2024-03-01", "2024/3/2", "2024年3月3日"]), st.sampled_from(["douyin", "kuaishou"]),
                 st.sampled_from(["d1", "d2"]), st.sampled_from(["1", "12,345", "1.2万", "3.4亿"]),
                 st.sampled_from(["", "5"]), st.sampled_from(["0.5", "37.5%", ""]))
BAD_CELLS = {0: ["", "2024-02-30", "x"], 2: ["d9", ""], 3: ["-1", "abc", ""], 5: ["1.5", "-0.1", "z"]}
ROW = st.one_of(
    GOOD.map(lambda r: ",".join(r)),
    st.tuples(GOOD, st.sampled_from(sorted(BAD_CELLS)), st.integers(0, 2)).map(
        lambda t: ",".join(BAD_CELLS[t[1]][t[2] % len(BAD_CELLS[t[1]])] if i == t[1] else v for i, v in enumerate(t[0]))),
    GOOD.map(lambda r: ",".join(r[:3])),  # too few fields: malformed
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(st.lists(ROW, min_size=1, max_size=12), min_size=1, max_size=2))
def test_read_equals_loaded_merged_quarantined(tmp_path_factory, files):
    root = tmp_path_factory.mktemp("acct")
    (root / "dramas.csv").write_text(DRAMAS, encoding="utf-8")
    (root / "metrics").mkdir()
    for i, lines in enumerate(files):
        (root / "metrics" / f"m{i}.csv").write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    with Warehouse.connect(None) as wh:
        report = ingest_season(root, wh)
        metrics = [f for f in report.files if f.kind == "metrics"]
        assert [f.rows_read for f in metrics] == [len(lines) for lines in files]
        for f in metrics:
            assert f.rows_read == f.rows_loaded + f.rows_merged + f.rows_quarantined
        q = wh.table("quarantine").execute()
        facts = wh.table("facts").execute()
        for f in metrics:
            assert (q.file == f.file).sum() == f.rows_quarantined
            assert (facts.source_file == f.file).sum() == f.rows_loaded
        assert not facts.duplicated(["date", "platform", "drama_id"]).any()
