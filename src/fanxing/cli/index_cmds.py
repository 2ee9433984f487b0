"""CLI commands of the general index engine: ``fanxing index compute``."""

from __future__ import annotations

from pathlib import Path

import typer

from fanxing.cli.app import console, index_app


def read_table(path: Path, id_column: str | None, what: str):
    """Read csv/tsv (optionally .gz), parquet or xlsx into a frame indexed by the unit id column."""
    import pandas as pd

    from fanxing.errors import IndexComputationError, UnreadableFileError
    from fanxing.index.suggest import closest

    if not path.is_file():
        raise UnreadableFileError(f"{path}: {what} file not found", details={"file": str(path)})
    name = path.name.lower().removesuffix(".gz")
    try:
        if name.endswith(".parquet"):
            df = pd.read_parquet(path)
        elif name.endswith((".xlsx", ".xlsm", ".xls")):
            df = pd.read_excel(path)
        else:
            sep = "\t" if name.endswith(".tsv") else ","
            header = pd.read_csv(path, sep=sep, nrows=0).columns
            key = id_column if id_column in header else header[0]
            df = pd.read_csv(path, sep=sep, dtype={key: str})
    except (OSError, ValueError, ImportError) as exc:
        raise UnreadableFileError(f"{path}: cannot read {what} as a table ({exc})", details={"file": str(path)}) from None
    col = id_column or str(df.columns[0])
    if col not in df.columns:
        hint = closest(col, [str(c) for c in df.columns])
        raise IndexComputationError(
            f"{path}: id column '{col}' not found" + (f" (did you mean '{hint}'?)" if hint else ""),
            code="missing_column", details={"file": str(path), "column": col, "suggestion": hint})
    df[col] = df[col].astype(str)
    return df.set_index(col)


@index_app.command("compute")
def compute_cmd(
    table: Path = typer.Argument(..., help="units × indicators table: .csv, .tsv, .parquet or .xlsx"),
    methodology: Path = typer.Option(..., "--methodology", "-m", help="methodology YAML file"),
    out: Path = typer.Option(..., "--out", "-o", help="CSV of scores and ranks of every aggregate"),
    stages: Path | None = typer.Option(None, "--stages", help="directory for every stage, weights and the log"),
    id_column: str | None = typer.Option(None, "--id-column", help="unit id column (default: the methodology's "
                                         "id_column, else the first column)"),
    denominators: Path | None = typer.Option(None, "--denominators", help="table of denominator columns per unit"),
) -> None:
    """Compute a composite index from a table and a methodology; write scores, ranks and stages."""
    import json

    from rich.table import Table

    from fanxing.errors import IndexComputationError
    from fanxing.index import STAGES, compute, load_methodology

    m = load_methodology(methodology)
    id_col = id_column or m.id_column
    data = read_table(table, id_col, "data")
    dens = read_table(denominators, id_col, "denominators") if denominators is not None else None
    try:
        result = compute(data, m, dens)
    except IndexComputationError as exc:
        if exc.code != "missing_column":
            raise
        src = denominators if (exc.details.get("kind") == "denominator" and denominators is not None) else table
        raise IndexComputationError(f"{src}: {exc.message}", code=exc.code,
                                    details={**exc.details, "file": str(src)}) from None

    out.parent.mkdir(parents=True, exist_ok=True)
    result.table().to_csv(out, index_label=data.index.name or "unit")
    if stages is not None:
        stages.mkdir(parents=True, exist_ok=True)
        label = data.index.name or "unit"
        for name in STAGES:
            result.stages[name].to_csv(stages / f"{name}.csv", index_label=label)
        result.weights.to_csv(stages / "effective_weights.csv", index=False)
        result.log.to_csv(stages / "log.csv", index=False)
        result.excluded_units.to_csv(stages / "excluded_units.csv", index_label=label)
        if result.contributions is not None:
            result.contributions.to_csv(stages / "contributions.csv", index_label=label)
        (stages / "methodology.json").write_text(json.dumps(
            {"name": m.name, "version": m.version, "sha256": m.canonical_hash}, indent=2) + "\n", encoding="utf-8")

    top = result.table().head(10)
    root = result.index_code
    view = Table(title=f"{m.name} v{m.version} — top {len(top)} of {len(result.scores)} units")
    view.add_column("rank", justify="right")
    view.add_column("unit")
    view.add_column(root, justify="right")
    for unit, row in top.iterrows():
        rank = row[f"{root}_rank"]
        view.add_row("" if rank is None or rank != rank else str(rank), str(unit), f"{row[root]:.3f}")
    console.print(view)
    console.print(f"methodology sha256 {m.canonical_hash[:16]}…; {len(result.excluded_units)} unit(s) excluded; "
                  f"wrote {out}" + (f" and stages to {stages}" if stages is not None else ""), highlight=False)
