"""Regenerate src/fanxing/methodologies/coinr-asem.yaml from the shared COINr metadata (run once, by hand).

    .venv/bin/python tests/conformance/generate_coinr_asem_yaml.py [SHARED_CASE_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

HEADER = """\
# COINr's ASEM Sustainable Connectivity index, as an ordinary Fanxing methodology.
# Generated from ind_meta.csv / agg_meta.csv of shared/conformance/coinr-asem by
# tests/conformance/generate_coinr_asem_yaml.py; the conformance test checks it reproduces COINr.
name: coinr-asem
version: "1.0"
description: ASEM Sustainable Connectivity (COINr example), 49 indicators, 4 levels
id_column: UnitCode
coverage: {min_unit_share: 0.0}
impute: {method: group_mean, group_column: Group_EurAsia}
treat: {method: skew_kurtosis, skew_threshold: 2.0, kurtosis_threshold: 3.5, winmax: 6, fallback: log_ct}
normalise: {method: minmax, range: [0, 100]}
weights: {method: explicit}
aggregate: {method: arithmetic}
explain: true
"""


def _num(v: float) -> str:
    return repr(float(v)) if float(v) != int(v) else str(int(v))


def _q(s: str) -> str:
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


def main(case: Path, out: Path) -> None:
    ind = pd.read_csv(case / "ind_meta.csv")
    aggm = pd.read_csv(case / "agg_meta.csv")
    parent_of: dict[str, str | None] = {}
    for _, r in ind.iterrows():
        parent_of[r["Agg1"]] = r["Agg2"]
        parent_of[r["Agg2"]] = r["Agg3"]
        parent_of[r["Agg3"]] = None
    lines = [HEADER, "indicators:"]
    for _, r in ind.iterrows():
        parts = [f"code: {r['IndCode']}", f"name: {_q(r['IndName'])}", f"parent: {r['Agg1']}",
                 f"direction: {int(r['Direction'])}", f"weight: {_num(r['IndWeight'])}"]
        if isinstance(r["Denominator"], str) and r["Denominator"]:
            parts.append(f"denominator: {r['Denominator']}")
        lines.append("  - {" + ", ".join(parts) + "}")
    lines.append("aggregates:")
    for _, r in aggm.sort_values("AgLevel", kind="stable").iterrows():
        parent = parent_of[r["Code"]]
        lines.append("  - {" + ", ".join([f"code: {r['Code']}", f"name: {_q(r['Name'])}",
                                          f"parent: {parent if parent else 'null'}",
                                          f"weight: {_num(r['Weight'])}"]) + "}")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[2]
    case = Path(sys.argv[1]) if len(sys.argv) > 1 else root.parent / "shared" / "conformance" / "coinr-asem"
    main(case, root / "src" / "fanxing" / "methodologies" / "coinr-asem.yaml")
