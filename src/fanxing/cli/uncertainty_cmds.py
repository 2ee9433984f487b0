"""CLI command ``fanxing uncertainty``: rank intervals and Sobol indices of a methodology's uncertain choices."""

from __future__ import annotations

from pathlib import Path

import typer

from fanxing.cli.app import app, console


def _load(methodology: Path, spec: Path | None):
    """The engine methodology and the uncertainty spec (``--spec`` wins over an embedded section).

    Accepts an engine methodology file, optionally with an ``uncertainty:`` key, or a Fanxing drama
    methodology file whose engine section is under ``index:`` (its ``uncertainty:`` may sit at the
    top level or inside ``index:``).
    """
    import yaml

    from fanxing.errors import MethodologyError
    from fanxing.index import parse_methodology
    from fanxing.index.uncertainty import load_uncertainty, parse_uncertainty, split_methodology

    try:
        data = yaml.safe_load(methodology.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MethodologyError(f"{methodology}: cannot read methodology file ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise MethodologyError(f"{methodology}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise MethodologyError(f"{methodology}: a methodology must be a mapping of keys")
    outer = None
    if "indicators" not in data and isinstance(data.get("index"), dict):
        outer = data.get("uncertainty")
        data = data["index"]
    engine, section = split_methodology(data)
    m = parse_methodology(engine, source=str(methodology))
    if spec is not None:
        return m, load_uncertainty(spec)
    section = section if section is not None else outer
    return m, parse_uncertainty(section, str(methodology))


@app.command("uncertainty")
def uncertainty_cmd(
    table: Path = typer.Argument(..., help="units × indicators table: .csv, .tsv, .parquet or .xlsx"),
    methodology: Path = typer.Option(..., "--methodology", "-m", help="methodology YAML (may hold 'uncertainty:')"),
    out: Path = typer.Option(..., "--out", "-o", help="output directory: ranks.csv, sensitivity.csv, summary.json"),
    spec: Path | None = typer.Option(None, "--spec", "-s", help="uncertainty YAML (overrides the methodology's "
                                     "'uncertainty:' section)"),
    replications: int | None = typer.Option(None, "--replications", "-n", min=1, help="override the replications"),
    seed: int | None = typer.Option(None, "--seed", min=0, help="override the seed"),
    chunk: int | None = typer.Option(None, "--chunk", min=1, help="override the replications per chunk"),
    id_column: str | None = typer.Option(None, "--id-column", help="unit id column (default: the methodology's "
                                         "id_column, else the first column)"),
    denominators: Path | None = typer.Option(None, "--denominators", help="table of denominator columns per unit"),
) -> None:
    """Monte Carlo over the declared uncertain choices: rank intervals per unit and Sobol indices."""
    import json

    import pandas as pd
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from fanxing.cli.index_cmds import read_table
    from fanxing.index.uncertainty import run_uncertainty
    from fanxing.index.uncertainty.sobol import COLUMNS

    m, u = _load(methodology, spec)
    overrides = {k: v for k, v in {"replications": replications, "seed": seed, "chunk": chunk}.items()
                 if v is not None}
    if overrides:
        u = u.model_copy(update=overrides)
    id_col = id_column or m.id_column
    data = read_table(table, id_col, "data")
    dens = read_table(denominators, id_col, "denominators") if denominators is not None else None

    with Progress(TextColumn("[bold]replications"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("mc", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = run_uncertainty(data, m, u, denominators=dens, progress=progress)

    out.mkdir(parents=True, exist_ok=True)
    label = data.index.name or "unit"
    ranks = result.ranks.copy()
    ranks.index.name = label
    ranks.to_csv(out / "ranks.csv", index_label="unit")
    sens = result.sensitivity if result.sensitivity is not None else pd.DataFrame(columns=COLUMNS)
    sens.to_csv(out / "sensitivity.csv", index=False)
    (out / "summary.json").write_text(json.dumps(result.summary, indent=2, ensure_ascii=False) + "\n",
                                      encoding="utf-8")

    s = result.summary
    top_col = f"p_top{u.top}"
    view = Table(title=f"{m.name} v{m.version} — {s['replications']} replications, factors: "
                       f"{', '.join(s['factors']) or 'none'}")
    for col, justify in (("rank", "right"), ("unit", "left"), ("5–95 %", "right"), ("median", "right"),
                         (top_col, "right")):
        view.add_column(col, justify=justify)
    best = ranks.sort_values("nominal_rank", kind="stable", na_position="last").head(u.top)
    for unit, row in best.iterrows():
        view.add_row(str(row["nominal_rank"]), str(unit), f"{row['rank_low']}–{row['rank_high']}",
                     f"{row['median_rank']:g}", f"{row[top_col]:.2f}")
    console.print(view)
    console.print(f"mean absolute rank shift {s['mean_abs_rank_shift']:.3f}; {s['timings']['total_s']:.2f} s; "
                  f"wrote {out / 'ranks.csv'}, {out / 'sensitivity.csv'}, {out / 'summary.json'}", highlight=False)
