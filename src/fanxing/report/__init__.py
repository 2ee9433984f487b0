"""The annual insight report (年度洞察报告): HTML, PDF, SVG charts and every figure's data as CSV.

``write_report(build_dir, surveys=..., questions=..., market=...)`` writes ``build_dir/report/``;
``frames_from_warehouse(wh)`` and ``load_season_inputs(season_dir)`` supply the frames. See docs/report.md.
"""

from fanxing.report.api import write_report
from fanxing.report.inputs import frames_from_warehouse, load_season_inputs

__all__ = ["frames_from_warehouse", "load_season_inputs", "write_report"]
