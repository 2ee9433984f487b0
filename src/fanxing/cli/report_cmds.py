"""CLI: `fanxing report` — the annual insight report of a published build."""

from __future__ import annotations

from pathlib import Path

import typer

from fanxing.cli.app import app, console


@app.command()
def report(
    build_dir: Path = typer.Argument(..., help="a published build directory (fanxing build --out)"),
    season: Path | None = typer.Option(None, "--season", "-s",
                                       help="season directory to read surveys/ and market.csv from"),
    no_pdf: bool = typer.Option(False, "--no-pdf", help="write the HTML only"),
) -> None:
    """Write the annual insight report (年度洞察报告) into BUILD_DIR/report/: HTML, PDF, charts, data."""
    import json

    from fanxing.errors import FanxingError
    from fanxing.report import load_season_inputs, write_report

    if not (build_dir / "rankings" / "annual.csv").exists():
        raise FanxingError(f"{build_dir}: not a published build (rankings/annual.csv missing)")
    frames = {}
    if season is not None:
        if not season.is_dir():
            raise FanxingError(f"{season}: not a season directory")
        frames = load_season_inputs(season)
    paths = write_report(build_dir, pdf=not no_pdf, **frames)
    status = json.loads(paths["status"].read_text(encoding="utf-8"))
    console.print(f"[green]report[/] {paths['html']}  ({len(status['figures'])} charts)")
    if "pdf" in paths:
        console.print(f"[green]pdf[/]    {paths['pdf']}")
    elif not no_pdf:
        console.print(f"[yellow]pdf not written:[/] {status['pdf_error']}")
    for p in status["problems"]:
        console.print(f"[yellow]problem:[/] {p}")
