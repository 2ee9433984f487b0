"""``fanxing index compute``: csv/xlsx/parquet input, outputs, stages directory and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from index_builders import spec, toy_data
from typer.testing import CliRunner

from fanxing.cli import app
from fanxing.errors import IndexComputationError
from fanxing.index import compute

runner = CliRunner()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    m = tmp_path / "m.yaml"
    s = spec(id_column="unit")
    s["indicators"][0]["denominator"] = "pop"
    m.write_text(yaml.safe_dump(s, sort_keys=False), encoding="utf-8")
    data = toy_data()
    csv = tmp_path / "data.csv"
    data.to_csv(csv)
    dens = tmp_path / "dens.csv"
    pd.DataFrame({"pop": range(1, 13)}, index=data.index).to_csv(dens)
    return {"m": m, "csv": csv, "dens": dens, "dir": tmp_path}


def test_compute_writes_scores_ranks_and_stages(files):
    out = files["dir"] / "res" / "result.csv"
    stages = files["dir"] / "stages"
    res = runner.invoke(app, ["index", "compute", str(files["csv"]), "--methodology", str(files["m"]),
                              "--out", str(out), "--stages", str(stages), "--denominators", str(files["dens"])])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out, index_col="unit")
    assert {"P1", "P1_rank", "P2", "P2_rank", "Index", "Index_rank"} <= set(table.columns)
    assert table["Index_rank"].tolist() == sorted(table["Index_rank"].tolist())
    names = {p.name for p in stages.iterdir()}
    assert {"raw.csv", "denominated.csv", "imputed.csv", "treated.csv", "normalised.csv", "aggregated.csv",
            "effective_weights.csv", "log.csv", "excluded_units.csv", "contributions.csv", "methodology.json"} <= names
    meta = json.loads((stages / "methodology.json").read_text())
    assert len(meta["sha256"]) == 64
    # the CLI gives the same numbers as the library
    data = toy_data()
    dens = pd.DataFrame({"pop": range(1, 13)}, index=data.index)
    from fanxing.index import load_methodology

    direct = compute(data, load_methodology(files["m"]), dens)
    pd.testing.assert_series_equal(table["Index"].sort_index(), direct.scores["Index"].sort_index(),
                                   check_names=False, check_index_type=False)


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet"])
def test_compute_reads_xlsx_and_parquet(files, suffix):
    path = files["dir"] / f"data{suffix}"
    data = toy_data().reset_index()
    data["pop"] = range(1, 13)
    (data.to_excel if suffix == ".xlsx" else data.to_parquet)(path, index=False)
    out = files["dir"] / "r.csv"
    res = runner.invoke(app, ["index", "compute", str(path), "-m", str(files["m"]), "--out", str(out),
                              "--id-column", "unit"])
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(out)) == 12


def test_missing_indicator_column_names_file_and_suggests(files):
    bad = files["dir"] / "bad.csv"
    toy_data().rename(columns={"c": "cc"}).to_csv(bad)
    res = runner.invoke(app, ["index", "compute", str(bad), "-m", str(files["m"]), "--out",
                              str(files["dir"] / "x.csv"), "--denominators", str(files["dens"])])
    assert isinstance(res.exception, IndexComputationError)
    assert "bad.csv" in str(res.exception) and "'c'" in str(res.exception) and "did you mean 'cc'" in str(res.exception)


def test_missing_id_column_and_missing_file(files):
    res = runner.invoke(app, ["index", "compute", str(files["csv"]), "-m", str(files["m"]), "--out",
                              str(files["dir"] / "x.csv"), "--id-column", "unti"])
    assert "did you mean 'unit'" in str(res.exception)
    res = runner.invoke(app, ["index", "compute", str(files["dir"] / "nope.csv"), "-m", str(files["m"]),
                              "--out", str(files["dir"] / "x.csv")])
    assert "nope.csv" in str(res.exception)
