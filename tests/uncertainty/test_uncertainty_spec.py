"""The uncertainty section: strict keys with suggestions, shorthands, and the two ways to load it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from uncertainty_builders import data, methodology

from fanxing.errors import MethodologyError
from fanxing.index import parse_methodology
from fanxing.index.uncertainty import (
    UncertaintySpec,
    build_plan,
    load_methodology_and_uncertainty,
    load_uncertainty,
    parse_uncertainty,
)


@pytest.mark.parametrize(("section", "path", "hint"), [
    ({"replicatons": 5}, "uncertainty.replicatons", "replications"),
    ({"weights": {"kind": "relativ", "noise": 0.2}}, "uncertainty.weights.kind", "relative"),
    ({"weights": {"kind": "dirichlet", "concentraton": 5}}, "uncertainty.weights.concentraton", "concentration"),
    ({"normalise": {"options": ["minmx"]}}, "uncertainty.normalise.options[0].method", "minmax"),
    ({"normalise": {"options": [{"method": "zscore", "men": 3}]}}, "uncertainty.normalise.options[0].men", "mean"),
    ({"aggregate": {"options": ["geometrc"]}}, "uncertainty.aggregate.options[0].method", "geometric"),
    ({"impute": {"options": ["medain"]}}, "uncertainty.impute.options[0]", "median"),
    ({"drop_indicator": {"probabilty": 0.1}}, "uncertainty.drop_indicator.probabilty", "probability"),
    ({"sensitivity": {"bootstrp": 50}}, "uncertainty.sensitivity.bootstrp", "bootstrap"),
])
def test_errors_name_the_key_and_suggest(section, path, hint):
    with pytest.raises(MethodologyError) as info:
        parse_uncertainty(section)
    problems = info.value.details["errors"]
    assert any(p["path"] == path and p["suggestion"] == hint for p in problems), problems
    assert f"did you mean '{hint}'" in info.value.message


@pytest.mark.parametrize(("section", "path"), [
    ({"normalise": {"options": ["minmax", "zscore"], "probs": [0.5, 0.6]}}, "uncertainty.normalise.probs"),
    ({"aggregate": {"options": ["arithmetic"], "probs": [0.5, 0.5]}}, "uncertainty.aggregate.probs"),
    ({"weights": {"kind": "relative", "noise": 1.5}}, "uncertainty.weights.noise"),
    ({"weights": {"noise": 0.1}}, "uncertainty.weights.kind"),
    ({"replications": 0}, "uncertainty.replications"),
])
def test_bad_values_are_reported(section, path):
    with pytest.raises(MethodologyError) as info:
        parse_uncertainty(section)
    assert any(p["path"] == path for p in info.value.details["errors"]), info.value.details


def test_shorthands_and_factor_order():
    s = parse_uncertainty({"drop_indicator": True, "sensitivity": False,
                           "normalise": {"options": ["minmax", {"method": "zscore", "mean": 10, "sd": 2}]},
                           "weights": {"kind": "relative", "noise": 0.25}})
    assert s.factors == ["weights", "normalise", "drop_indicator"]
    assert not s.sensitivity.enabled
    assert s.normalise.options[1].mean == 10
    assert parse_uncertainty(None) == UncertaintySpec()


def test_load_section_file_and_methodology_file(tmp_path: Path):
    section = {"replications": 64, "seed": 3, "weights": {"kind": "dirichlet", "concentration": 50}}
    alone = tmp_path / "u.yaml"
    alone.write_text(yaml.safe_dump(section), encoding="utf-8")
    wrapped = tmp_path / "u2.yaml"
    wrapped.write_text(yaml.safe_dump({"uncertainty": section}), encoding="utf-8")
    both = tmp_path / "m.yaml"
    both.write_text(yaml.safe_dump({**methodology(), "uncertainty": section}), encoding="utf-8")
    a, b, c = load_uncertainty(alone), load_uncertainty(wrapped), load_uncertainty(both)
    assert a == b == c == load_uncertainty(section) == load_uncertainty({"uncertainty": section})
    m, s = load_methodology_and_uncertainty(both)
    assert m == parse_methodology(methodology()) and s == a
    plain = tmp_path / "plain.yaml"
    plain.write_text(yaml.safe_dump(methodology()), encoding="utf-8")
    assert load_methodology_and_uncertainty(plain)[1] is None


def test_errors_name_the_file(tmp_path: Path):
    f = tmp_path / "bad.yaml"
    f.write_text(yaml.safe_dump({"uncertainty": {"chunck": 10}}), encoding="utf-8")
    with pytest.raises(MethodologyError, match=r"bad\.yaml.*\n.*uncertainty\.chunck.*did you mean 'chunk'"):
        load_uncertainty(f)


@pytest.mark.parametrize(("section", "match"), [
    ({"drop_indicator": {"indicators": ["a", "bb"]}}, r"unknown indicator 'bb' \(did you mean 'b'\?\)"),
    ({"weights": {"kind": "relative", "noise": 0.1, "level": 4}}, r"uncertainty\.weights\.level"),
    ({"aggregate": {"options": ["arithmetic"], "level": 1}}, r"uncertainty\.aggregate"),
    ({"normalise": {"options": ["goalposts"]}}, r"(?s)uncertainty\.normalise\.options\[0\].*goalposts"),
])
def test_spec_checked_against_the_methodology(section, match):
    with pytest.raises(MethodologyError, match=match):
        build_plan(data(12), parse_methodology(methodology()), parse_uncertainty(section))
