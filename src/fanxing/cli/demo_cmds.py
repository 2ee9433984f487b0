"""``fanxing demo``: generate the seeded demo season (and its truth beside it)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fanxing.cli.app import app, console


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Argument(help="Season directory to create; the truth goes to OUT_DIR-truth.")],
    dramas: Annotated[int, typer.Option(help="Number of dramas (ignored with --rows).")] = 1500,
    days: Annotated[int, typer.Option(help="Season length in days from 2024-01-01.")] = 366,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives byte-identical files.")] = 2024,
    rows: Annotated[int | None, typer.Option(help="Scale mode: about this many metric rows.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="Metrics format: csv or parquet.")] = "csv",
    partitioned: Annotated[bool, typer.Option(help="Hive-partition metrics by month and platform.")] = False,
    force: Annotated[bool, typer.Option(help="Replace an existing demo season in OUT_DIR.")] = False,
) -> None:
    """Generate a realistic, fictional demo season with planted fake traffic and malformed rows."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.table import Table

    from fanxing.demo import generate_season

    kwargs = dict(dramas=dramas, days=days, seed=seed, rows=rows, fmt=fmt, partitioned=partitioned, force=force)
    if rows:
        with Progress(TextColumn("metric rows"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,}"),
                      TimeRemainingColumn(), console=console, transient=True) as bar:
            task = bar.add_task("rows", total=rows)

            def advance(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            summary = generate_season(out_dir, progress=advance, **kwargs)
    else:
        with console.status("generating the demo season…"):
            summary = generate_season(out_dir, **kwargs)

    table = Table(title=f"demo season → {summary.out_dir}", show_header=False)
    table.add_column("item", style="bold")
    table.add_column("value")
    formats: dict[str, int] = {}
    for f in summary.files:
        label = f["format"] + (f" ({f['encoding']})" if f["encoding"] not in ("", "utf-8") else "")
        formats[label] = formats.get(label, 0) + 1
    for item, value in [
        ("period", f"{summary.start} – {summary.end}"),
        ("layout", summary.layout),
        ("dramas / platforms", f"{summary.dramas:,} / {summary.platforms}"),
        ("series (drama × platform)", f"{summary.series:,}"),
        ("metric rows", f"{summary.metric_rows:,} ({summary.rows_written:,} written)"),
        ("metric files", ", ".join(f"{k}: {v}" for k, v in sorted(formats.items()))),
        ("malformed rows planted", str(summary.malformed)),
        ("fake-traffic episodes", ", ".join(f"{k} {v}" for k, v in summary.fakes.items())),
        ("jury scores / respondents", f"{summary.jury_rows:,} / {summary.respondents:,}"),
        ("truth", str(summary.truth_dir)),
        ("seconds", f"{summary.seconds:.1f}"),
    ]:
        table.add_row(item, value)
    console.print(table)
