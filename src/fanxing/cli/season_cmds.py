"""CLI commands ``fanxing ingest`` and ``fanxing validate``: load or check a season directory."""

from __future__ import annotations

from pathlib import Path

import typer

from fanxing.cli.app import app, console


def default_db(season: Path, engine: str = "duckdb") -> Path:
    """``<season>/../<season-name>.duckdb`` (Spark: the directory ``<season-name>.spark``): beside
    the season, never inside it."""
    season = season.resolve()
    return season.parent / f"{season.name}.{'spark' if engine == 'spark' else 'duckdb'}"


ENGINE_HELP = "warehouse engine: duckdb (embedded) or spark (local[*], or see --spark-master)"
MASTER_HELP = ("Spark master or Spark Connect URL, e.g. local[2], spark://host:7077, sc://host:15002 "
               "(default: $FANXING_SPARK_MASTER or local[*])")


def use_engine(engine: str, spark_master: str | None) -> None:
    """Check the engine name; a given Spark master goes where the Spark backend reads it."""
    import os

    from fanxing.warehouse import ENGINES

    if engine not in ENGINES:
        raise typer.BadParameter(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}",
                                 param_hint="--engine")
    if spark_master:
        os.environ["FANXING_SPARK_MASTER"] = spark_master


def _run(season: Path, db: Path | None, engine: str = "duckdb"):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from fanxing.season import ingest_season, season_files, validate_season
    from fanxing.warehouse import Warehouse

    total = len(season_files(season)) if season.is_dir() else 0
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True, disable=total < 2) as bar:
        task = bar.add_task("reading", total=total)

        def progress(rel: str, i: int, n: int) -> None:
            bar.update(task, completed=i, description=f"reading {rel}")

        if db is None:
            report = validate_season(season, progress=progress)
        else:
            with Warehouse.connect(db, engine=engine) as wh:
                report = ingest_season(season, wh, progress=progress)
        bar.update(task, completed=total)
    return report


def show(report) -> None:
    """Per-file accounting, quarantine summary by reason, file-level errors."""
    from rich.table import Table

    from fanxing.season import REASONS

    t = Table(title=f"season {report.season.get('name', '')}  load {report.load_id}", title_justify="left")
    for col in ("file", "kind", "format", "encoding", "status"):
        t.add_column(col)
    for col in ("read", "loaded", "merged", "quarantined"):
        t.add_column(col, justify="right")
    for f in report.files:
        style = {"error": "red", "skipped": "dim"}.get(f.status, "")
        t.add_row(f.file, f.kind, f.format, f.encoding, f.status, f"{f.rows_read:,}", f"{f.rows_loaded:,}",
                  f"{f.rows_merged:,}", f"{f.rows_quarantined:,}", style=style)
    tot = report.totals()
    t.add_row("total", "", "", "", "", *(f"{tot[k]:,}" for k in ("rows_read", "rows_loaded", "rows_merged",
                                                              "rows_quarantined")), style="bold")
    console.print(t)
    if report.quarantine_by_reason:
        q = Table(title="quarantine by reason", title_justify="left")
        q.add_column("reason")
        q.add_column("rows", justify="right")
        q.add_column("meaning")
        for reason, n in report.quarantine_by_reason.items():
            q.add_row(reason, f"{n:,}", REASONS.get(reason, ""))
        console.print(q)
        if report.quarantine_examples:
            e = Table(title="first quarantined rows", title_justify="left")
            for col in ("file", "line", "column", "reason", "detail"):
                e.add_column(col, overflow="fold")
            for row in report.quarantine_examples[:10]:
                e.add_row(str(row["file"]), str(row["line"]), str(row["column"] or ""), row["reason"], row["detail"])
            console.print(e)
    for err in report.errors:
        console.print(f"[red]error[/] {err}", highlight=False)
    if report.pruned:
        console.print(f"{len(report.pruned)} partitioned file(s) not read: outside the season's dates or "
                      f"platforms (season.yaml), e.g. {report.pruned[0]['file']}", style="dim", highlight=False)
    skipped = report.skipped
    if skipped:
        console.print(f"{len(skipped)} file(s) skipped: already loaded with the same content", style="dim")
    for p in report.problems:
        console.print(f"[bold red]unusable[/] {p}", highlight=False)


@app.command()
def ingest(
    season: Path = typer.Argument(..., help="the season directory"),
    db: Path = typer.Option(None, "--db", help="warehouse file (default: <season>/../<season-name>.duckdb; "
                                               "with --engine spark a directory <season-name>.spark)"),
    engine: str = typer.Option("duckdb", "--engine", help=ENGINE_HELP),
    spark_master: str | None = typer.Option(None, "--spark-master", help=MASTER_HELP),
) -> None:
    """Load a season into the warehouse: bad rows are quarantined, files already loaded are skipped."""
    use_engine(engine, spark_master)
    db = db or default_db(season, engine)
    report = _run(season, db, engine)
    show(report)
    console.print(f"warehouse: {db}", highlight=False)


@app.command()
def validate(season: Path = typer.Argument(..., help="the season directory")) -> None:
    """Check a season without writing anything; exits 1 only when it is unusable."""
    report = _run(season, None)
    show(report)
    if not report.usable:
        raise typer.Exit(1)
    console.print("[green]usable[/]")
