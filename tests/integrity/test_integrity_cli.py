"""``fanxing integrity detect`` and ``fanxing integrity eval`` end to end on a small warehouse file."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from fanxing.cli import app
from fanxing.integrity.synthetic import make_facts


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("wh")
    facts, dramas, truth = make_facts(n_dramas=30, n_days=90, seed=4)
    db = root / "warehouse.duckdb"
    con = duckdb.connect(str(db))
    con.register("f", facts)
    con.register("d", dramas)
    con.execute("CREATE TABLE facts AS SELECT * FROM f")
    con.execute("CREATE TABLE dramas AS SELECT * FROM d")
    con.close()
    (root / "s-truth").mkdir()
    truth.to_csv(root / "s-truth" / "fake_traffic.csv", index=False)
    return db, root / "s-truth"


def test_detect_then_eval(warehouse, tmp_path):
    db, truth_dir = warehouse
    out = tmp_path / "anomalies.csv"
    r = CliRunner().invoke(app, ["integrity", "detect", "--db", str(db), "--out", str(out)])
    assert r.exit_code == 0, r.output
    ep = pd.read_csv(out)
    assert {"drama_id", "platform", "start", "end", "indicator", "reason", "severity"} <= set(ep.columns)
    assert len(ep) > 0
    res_csv = tmp_path / "eval.csv"
    r = CliRunner().invoke(app, ["integrity", "eval", str(out), str(truth_dir), "--out", str(res_csv)])
    assert r.exit_code == 0, r.output
    res = pd.read_csv(res_csv).set_index("shape")
    assert res.loc["overall", "recall"] >= 0.9


def test_eval_detects_from_warehouse(warehouse):
    db, truth_dir = warehouse
    r = CliRunner().invoke(app, ["integrity", "eval", str(db), str(truth_dir / "fake_traffic.csv")])
    assert r.exit_code == 0, r.output
    assert "overall" in r.output


def test_missing_warehouse_is_a_clear_error(tmp_path):
    r = CliRunner().invoke(app, ["integrity", "detect", "--db", str(tmp_path / "no.duckdb"),
                                 "--out", str(tmp_path / "a.csv")])
    assert r.exit_code != 0
    assert "does not exist" in str(r.exception)
