"""``fanxing uncertainty``: writes ranks.csv, sensitivity.csv and summary.json; spec from a file or embedded."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import yaml
from typer.testing import CliRunner
from uncertainty_builders import data, methodology

import fanxing.cli.uncertainty_cmds  # noqa: F401  (registers the command)
from fanxing.cli.app import app
from fanxing.errors import MethodologyError

runner = CliRunner()
SPEC = {"replications": 60, "seed": 4, "sensitivity": {"bootstrap": 20},
        "weights": {"kind": "relative", "noise": 0.3}, "normalise": {"options": ["minmax", "rank"]}}


def _files(tmp_path: Path, embed: bool) -> tuple[Path, Path]:
    table = tmp_path / "data.csv"
    data(25).to_csv(table)
    m = tmp_path / "m.yaml"
    body = {**methodology(id_column="unit"), **({"uncertainty": SPEC} if embed else {})}
    m.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    return table, m


def test_writes_the_three_outputs(tmp_path: Path):
    table, m = _files(tmp_path, embed=False)
    spec = tmp_path / "u.yaml"
    spec.write_text(yaml.safe_dump(SPEC), encoding="utf-8")
    out = tmp_path / "out"
    res = runner.invoke(app, ["uncertainty", str(table), "-m", str(m), "--spec", str(spec), "--out", str(out),
                              "--replications", "80", "--seed", "9"])
    assert res.exit_code == 0, res.output
    ranks = pd.read_csv(out / "ranks.csv")
    assert list(ranks.columns[:6]) == ["unit", "nominal_rank", "median_rank", "rank_low", "rank_high", "p_top10"]
    assert len(ranks) == 25
    sens = pd.read_csv(out / "sensitivity.csv")
    assert list(sens.columns) == ["output", "factor", "S1", "S1_conf", "ST", "ST_conf"]
    assert set(sens.factor) == {"weights", "normalise"}
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["seed"] == 9 and summary["requested_replications"] == 80
    assert {"mean_abs_rank_shift", "replications", "timings"} <= set(summary)
    assert "mean absolute rank shift" in res.output


def test_section_embedded_in_the_methodology_file(tmp_path: Path):
    table, m = _files(tmp_path, embed=True)
    out = tmp_path / "out"
    res = runner.invoke(app, ["uncertainty", str(table), "-m", str(m), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["factors"] == ["weights", "normalise"]


def test_without_a_section_nothing_is_uncertain(tmp_path: Path):
    table, m = _files(tmp_path, embed=False)
    out = tmp_path / "out"
    res = runner.invoke(app, ["uncertainty", str(table), "-m", str(m), "-o", str(out), "-n", "10"])
    assert res.exit_code == 0, res.output
    ranks = pd.read_csv(out / "ranks.csv")
    assert (ranks.rank_low == ranks.nominal_rank).all() and (ranks.rank_high == ranks.nominal_rank).all()
    assert pd.read_csv(out / "sensitivity.csv").empty


def test_a_bad_key_is_named(tmp_path: Path):
    table, m = _files(tmp_path, embed=False)
    spec = tmp_path / "u.yaml"
    spec.write_text(yaml.safe_dump({"weigths": {"kind": "relative", "noise": 0.1}}), encoding="utf-8")
    res = runner.invoke(app, ["uncertainty", str(table), "-m", str(m), "--spec", str(spec), "-o", str(tmp_path / "o")])
    assert isinstance(res.exception, MethodologyError)
    assert "uncertainty.weigths" in res.exception.message and "did you mean 'weights'" in res.exception.message
