"""The methodology model: validation, errors with key paths and suggestions, canonical hash."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from index_builders import spec

from fanxing.errors import MethodologyError
from fanxing.index import Methodology, load_methodology, parse_methodology
from fanxing.index.methodology import AhpSpec, ahp_weights

SHIPPED = Path(__file__).resolve().parents[2] / "src" / "fanxing" / "methodologies" / "coinr-asem.yaml"


def _error(data) -> MethodologyError:
    with pytest.raises(MethodologyError) as info:
        parse_methodology(data)
    return info.value


def test_valid_methodology_has_defaults():
    m = parse_methodology(spec())
    assert isinstance(m, Methodology)
    assert m.normalise.method == "minmax" and m.aggregate.method == "arithmetic"
    assert m.version == "1"


def test_hash_is_canonical_and_sensitive():
    a = parse_methodology(spec())
    reordered = dict(reversed(list(spec().items())))
    assert parse_methodology(reordered).canonical_hash == a.canonical_hash
    # writing a default explicitly does not change the hash
    assert parse_methodology(spec(normalise={"method": "minmax"})).canonical_hash == a.canonical_hash
    assert parse_methodology(spec(normalise={"method": "zscore"})).canonical_hash != a.canonical_hash
    assert len(a.canonical_hash) == 64


def test_unknown_top_level_key_suggests():
    err = _error(spec(normalize={"method": "minmax"}))
    assert "normalize" in err.message and "did you mean 'normalise'" in err.message
    assert err.details["errors"][0]["path"] == "normalize"


def test_unknown_nested_key_names_path_and_suggests():
    err = _error(spec(treat={"methd": "skew_kurtosis"}))
    assert "treat.methd" in err.message and "'method'" in err.message


def test_unknown_key_in_list_item():
    s = spec()
    s["indicators"][1]["dirction"] = 1
    err = _error(s)
    assert "indicators[1].dirction" in err.message and "did you mean 'direction'" in err.message


def test_bad_value_suggests_closest():
    err = _error(spec(normalise={"method": "minmx"}))
    assert "normalise.method" in err.message and "did you mean 'minmax'" in err.message


def test_bad_direction():
    s = spec()
    s["indicators"][0]["direction"] = 2
    err = _error(s)
    assert "indicators[0].direction" in err.message and "expected one of 1, -1" in err.message


def test_all_problems_reported_together():
    err = _error(spec(normalize={}, aggregate={"method": "arithmetc"}))
    paths = [e["path"] for e in err.details["errors"]]
    assert "normalize" in paths and "aggregate.method" in paths
    assert "did you mean 'arithmetic'" in err.message


def test_unknown_parent_suggests():
    s = spec()
    s["indicators"][2]["parent"] = "p2"
    err = _error(s)
    assert "indicators[2].parent" in err.message and "did you mean 'P2'" in err.message


def test_structure_errors():
    s = spec()
    s["aggregates"][0]["parent"] = None
    assert "exactly one aggregate" in _error(s).message
    s = spec()
    s["indicators"][1]["code"] = "a"
    assert "used twice" in _error(s).message
    s = spec()
    s["aggregates"].append({"code": "Empty", "parent": "Index"})
    assert "has no children" in _error(s).message
    s = spec()
    s["aggregates"][0]["parent"] = "P2"
    s["aggregates"][1]["parent"] = "P1"
    assert "cycle" in _error(s).message or "exactly one" in _error(s).message


def test_method_requirements():
    assert "group_column" in _error(spec(impute={"method": "group_mean"})).message
    s = spec(normalise={"method": "goalposts"})
    assert "indicators[0].goalposts" in _error(s).message
    s = spec()
    s["indicators"][0]["transform"] = "boxcox"
    assert "indicators[0].transform.lambda" in _error(s).message
    assert "reference_unit" in _error(spec(normalise={"method": "distance_to_reference"})).message
    assert "weights.level" in _error(spec(weights={"method": "entropy", "level": 3})).message
    assert "aggregate.levels.5" in _error(spec(aggregate={"levels": {5: {"method": "geometric"}}})).message


def test_transform_shorthand_and_alias():
    s = spec()
    s["indicators"][0]["transform"] = {"type": "boxcox", "lambda": 0.5}
    s["indicators"][1]["transform"] = "log"
    m = parse_methodology(s)
    assert m.indicators[0].transform.lambda_ == 0.5 and m.indicators[1].transform.type == "log"
    assert '"lambda":0.5' in m.canonical_json()


AHP_OK = {"children": ["a", "b"], "matrix": [[1, 3], ["1/3", 1]]}


def test_ahp_weights_and_consistency():
    w, cr = ahp_weights(AhpSpec(**AHP_OK))
    assert w == pytest.approx([0.75, 0.25]) and cr == 0.0
    consistent = AhpSpec(children=["x", "y", "z"], matrix=[[1, 2, 4], [0.5, 1, 2], [0.25, 0.5, 1]])
    w, cr = ahp_weights(consistent)
    assert w == pytest.approx([4 / 7, 2 / 7, 1 / 7]) and cr == pytest.approx(0.0, abs=1e-9)


def test_ahp_inconsistent_matrix_is_an_error():
    s = spec(weights={"method": "ahp", "ahp": {"Index": {"children": ["P1", "P2"], "matrix": [[1, 2], [0.5, 1]]}}})
    parse_methodology(s)  # 2×2 is always consistent
    s = spec()
    s["indicators"].append({"code": "e", "parent": "P1"})
    s["weights"] = {"method": "ahp", "ahp": {"P1": {"children": ["a", "b", "e"],
                                                    "matrix": [[1, 9, "1/9"], ["1/9", 1, 9], [9, "1/9", 1]]}}}
    err = _error(s)
    assert "weights.ahp.P1.matrix" in err.message and "consistency ratio" in err.message


def test_ahp_matrix_checks():
    s = spec(weights={"method": "ahp", "ahp": {"P1": {"children": ["a", "c"], "matrix": [[1, 2], [0.5, 1]]}}})
    assert "'c' is not a child of 'P1'" in _error(s).message
    s = spec(weights={"method": "ahp", "ahp": {"P1": {"children": ["a", "b"], "matrix": [[1, 2], [2, 1]]}}})
    assert "reciprocal" in _error(s).message
    s = spec(weights={"method": "ahp", "ahp": {"P1": {"children": ["a", "b"], "matrix": [[1, "x"], [1, 1]]}}})
    assert "fraction" in _error(s).message
    s = spec(weights={"method": "ahp", "ahp": {"P9": AHP_OK}})
    assert "did you mean" in _error(s).message


def test_load_methodology_file_errors(tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(MethodologyError, match="nope.yaml"):
        load_methodology(missing)
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(MethodologyError, match="not valid YAML"):
        load_methodology(bad)
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(yaml.safe_dump(spec(treet={})), encoding="utf-8")
    with pytest.raises(MethodologyError, match=r"wrong.yaml.*\n.*treet.*did you mean 'treat'"):
        load_methodology(wrong)


def test_shipped_methodology_loads():
    m = load_methodology(SHIPPED)
    assert m.name == "coinr-asem" and len(m.indicators) == 49 and len(m.aggregates) == 11
