"""docs/uncertainty.md stays true: its YAML example validates and every key of the section is documented."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from fanxing.index.uncertainty import UncertaintySpec, load_uncertainty

DOC = Path(__file__).resolve().parents[2] / "docs" / "uncertainty.md"


def test_yaml_example_validates():
    block = re.search(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S).group(1)
    spec = load_uncertainty(yaml.safe_load(block))
    assert spec.factors == ["weights", "normalise", "aggregate", "impute", "drop_indicator"]


def test_every_key_is_documented():
    text = DOC.read_text(encoding="utf-8")
    for key in UncertaintySpec.model_fields:
        assert f"| `{key}` |" in text, key
