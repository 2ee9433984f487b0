"""CLI: `fanxing build` (season → published build directory) and `fanxing explain`."""

from __future__ import annotations

from pathlib import Path

import typer

from fanxing.cli.app import app, console
from fanxing.cli.season_cmds import ENGINE_HELP, MASTER_HELP, use_engine

DIM_LABELS = {"reach": "传播力", "engagement": "互动力", "reputation": "口碑", "commercial": "商业力",
              "longevity": "持续力"}


def _fmt(v, digits: int = 1) -> str:
    try:
        import math

        return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{float(v):.{digits}f}"
    except (TypeError, ValueError):
        return str(v)


def print_top(top, title: str) -> None:
    from rich.table import Table

    table = Table(title=title, title_style="bold")
    table.add_column("#", justify="right")
    table.add_column("剧目", no_wrap=True, min_width=14)
    for col in ("ID", "指数", "区间"):
        table.add_column(col, justify="right" if col == "指数" else "left", no_wrap=True)
    dims = [d for d in DIM_LABELS if d in top.columns]
    for d in dims:
        table.add_column(DIM_LABELS[d], justify="right")
    for _, r in top.iterrows():
        interval = f"{int(r['rank_low'])}–{int(r['rank_high'])}" if "rank_low" in r else ""
        table.add_row(str(int(r["rank"])), f"《{r['title']}》", str(r["drama_id"]), _fmt(r["score"]), interval,
                      *[_fmt(r[d]) for d in dims])
    console.print(table)


@app.command()
def build(
    season: Path = typer.Argument(..., help="season directory (see docs/data-format.md)"),
    out: Path = typer.Option(..., "--out", "-o", help="build directory to publish (replaced atomically)"),
    methodology: Path | None = typer.Option(None, "--methodology", "-m", help="methodology YAML (default: fanxing-2024)"),
    engine: str = typer.Option("duckdb", "--engine", help=ENGINE_HELP),
    spark_master: str | None = typer.Option(None, "--spark-master", help=MASTER_HELP),
    db: Path | None = typer.Option(None, "--db", help="keep the warehouse in this DuckDB file, or Spark "
                                                       "directory (default: temporary)"),
    memory_limit: str | None = typer.Option(None, "--memory-limit",
                                            help="DuckDB memory limit, e.g. 4GB (it spills to disk beyond it)"),
    report: bool = typer.Option(True, "--report/--no-report", help="write the annual insight report into report/"),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="also print the report to PDF (needs chromium)"),
) -> None:
    """Ingest a season, compute integrity, indicators and the index, and publish a build directory."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from fanxing.publish.build import build as run_build

    use_engine(engine, spark_master)
    if memory_limit:
        import os

        os.environ["FANXING_DUCKDB_MEMORY_LIMIT"] = memory_limit
    with Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("starting", total=None)
        summary = run_build(season, out, methodology=methodology, engine=engine, db=db, with_report=report,
                            pdf=pdf, progress=lambda step: bar.update(task, description=step))
    console.print(f"[green]published[/] {summary.out_dir}  (build {summary.build_id}, "
                  f"{summary.timings.get('total', 0):.1f} s)")
    counts = ", ".join(f"{k} {v}" for k, v in summary.counts.items() if k.startswith("rankings.") or
                       k in ("anomalies", "quarantine"))
    console.print(f"[dim]{counts}[/]")
    if not summary.top.empty:
        print_top(summary.top, "繁星指数 年度榜 Top 10")


@app.command()
def explain(
    drama_id: str = typer.Argument(..., help="drama id, e.g. D0001"),
    build_dir: Path = typer.Option(..., "--build", "-b", help="a published build directory"),
    top: int = typer.Option(13, "--top", help="how many indicator contributions to show"),
) -> None:
    """Why a drama ranks where it does: dimension scores, indicator contributions, history, anomalies."""
    from rich.table import Table

    from fanxing.publish.explain import explain_drama

    ex = explain_drama(build_dir, drama_id)
    r = ex.ranking
    console.print(f"[bold]《{r['title']}》[/] {drama_id} — 年度第 {int(r['rank'])} 名 "
                  f"（区间 {int(r['rank_low'])}–{int(r['rank_high'])}），指数 {_fmt(r['score'], 2)}")
    if ex.integrity_note:
        console.print(ex.integrity_note)
    dims = Table(title="维度得分 dimension scores (0–100)")
    for col in ("维度", "得分", "权重", "贡献"):
        dims.add_column(col, justify="left" if col == "维度" else "right")
    for _, d in ex.dimensions.iterrows():
        dims.add_row(f"{DIM_LABELS.get(d['dimension'], d['dimension'])} {d['dimension']}", _fmt(d["score"]),
                     _fmt(d["weight"], 2), _fmt(d["contribution"], 2))
    console.print(dims)
    inds = Table(title="指标贡献 indicator contributions (sum = index score)")
    for col in ("指标", "维度", "原始值", "归一值", "有效权重", "贡献", "同期中位"):
        inds.add_column(col, justify="left" if col in ("指标", "维度") else "right")
    for _, d in ex.indicators.head(top).iterrows():
        inds.add_row(f"{d['name']} {d['indicator']}", str(d["dimension"]), _fmt(d["value"], 3),
                     _fmt(d["normalised"]), _fmt(d["effective_weight"], 3), _fmt(d["contribution"], 2),
                     _fmt(d["median_normalised"]))
    console.print(inds)
    for line in ex.sentences:
        console.print(f"• {line}")
    if not ex.history.empty:
        console.print("月度排名 monthly ranks: " + "  ".join(
            f"{p}:{int(k)}" for p, k in zip(ex.history["period"], ex.history["rank"], strict=True)))
    if not ex.anomalies.empty:
        an = Table(title="流量异常 anomalies")
        for col in ("平台", "起", "止", "指标", "原因", "严重度"):
            an.add_column(col)
        for _, a in ex.anomalies.iterrows():
            an.add_row(str(a["platform"]), str(a["start"])[:10], str(a["end"])[:10], str(a["indicator"]),
                       str(a["reason"]), str(a["severity"]))
        console.print(an)


@app.command()
def compare(
    build_a: Path = typer.Argument(..., help="a published build directory"),
    build_b: Path = typer.Argument(..., help="another published build directory"),
    tol: float = typer.Option(1e-9, "--tol", help="tolerance for numbers (absolute and relative)"),
) -> None:
    """Do two builds publish the same results? (e.g. DuckDB vs Spark, two machines, two runs)

    Ranks, ids and texts must be equal, numbers within --tol; timings, build ids, engine and
    versions are ignored. Exits 1 and lists the differences when there are any.
    """
    from fanxing.publish.compare import compare_builds

    for d in (build_a, build_b):
        if not (d / "manifest.json").is_file():
            raise typer.BadParameter(f"{d}: not a published build (no manifest.json)")
    problems = compare_builds(build_a, build_b, tol=tol)
    if problems:
        for p in problems[:50]:
            console.print(f"[red]differs[/] {p}", highlight=False)
        if len(problems) > 50:
            console.print(f"… and {len(problems) - 50} more")
        raise typer.Exit(1)
    console.print(f"[green]same results[/] {build_a} = {build_b} (numbers within {tol:g})", highlight=False)
