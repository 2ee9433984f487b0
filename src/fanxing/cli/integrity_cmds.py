"""CLI: ``fanxing integrity detect`` (flag fake-traffic episodes) and ``fanxing integrity eval``
(episode-level precision and recall against planted truth)."""

from __future__ import annotations

from pathlib import Path

import typer

from fanxing.cli.app import console, integrity_app
from fanxing.errors import FanxingError, NotFoundError, WarehouseError


def _open_warehouse(db: Path):
    """(facts, dramas or None) from a DuckDB warehouse file."""
    import ibis

    if not db.is_file():
        raise NotFoundError(f"warehouse file {db} does not exist; build it first (fanxing season load ...)",
                            code="not_found", details={"path": str(db)})
    try:
        con = ibis.duckdb.connect(str(db), read_only=True)
        tables = set(con.list_tables())
    except Exception as exc:  # duckdb raises its own IOException for non-database files
        raise WarehouseError(f"cannot open {db} as a DuckDB warehouse: {exc}", details={"path": str(db)}) from exc
    if "facts" not in tables:
        raise WarehouseError(f"{db} has no table 'facts' (tables: {', '.join(sorted(tables)) or 'none'})",
                             code="missing_table", details={"path": str(db)})
    return con.table("facts"), (con.table("dramas") if "dramas" in tables else None)


def _load_config(path: Path | None):
    from fanxing.integrity import IntegrityConfig

    if path is None:
        return IntegrityConfig()
    import yaml
    from pydantic import ValidationError

    from fanxing.errors import MethodologyError

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    data = data.get("integrity", data)
    try:
        return IntegrityConfig(**data)
    except ValidationError as exc:
        raise MethodologyError(f"{path}: invalid integrity settings: {exc}", details={"path": str(path)}) from exc


def _detections(source: Path, config):
    """Episodes from an anomalies CSV, or detected from a DuckDB warehouse file."""
    import pandas as pd

    from fanxing.integrity import detect

    if source.is_file() and source.suffix.lower() == ".csv":
        return pd.read_csv(source)
    if source.is_dir():
        for name in ("warehouse.duckdb", "fanxing.duckdb"):
            if (source / name).is_file():
                source = source / name
                break
        else:
            raise FanxingError(
                f"{source} is a directory without a warehouse file; load the season first and pass the "
                "DuckDB warehouse file (or an anomalies CSV)", code="season_not_loaded",
                details={"path": str(source)})
    facts, dramas = _open_warehouse(source)
    return detect(facts, dramas, config)


def _truth(path: Path | None, source: Path):
    import pandas as pd

    if path is None:
        base = source if source.is_dir() else source.parent
        path = base.parent / f"{base.name}-truth" / "fake_traffic.csv"
    if path.is_dir():
        path = path / "fake_traffic.csv"
    if not path.is_file():
        raise NotFoundError(f"truth file {path} does not exist (expected <season>-truth/fake_traffic.csv)",
                            details={"path": str(path)})
    return pd.read_csv(path)


@integrity_app.command("detect")
def detect_cmd(
    db: Path = typer.Option(..., "--db", help="DuckDB warehouse file with tables facts (and dramas)"),
    out: Path = typer.Option(..., "--out", help="anomalies CSV to write"),
    config: Path | None = typer.Option(None, "--config", help="YAML with integrity thresholds (IntegrityConfig)"),
) -> None:
    """Flag fake-traffic episodes in the daily facts and write them to a CSV."""
    from fanxing.integrity import detect

    cfg = _load_config(config)
    facts, dramas = _open_warehouse(db)
    ep = detect(facts, dramas, cfg)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    ep.to_csv(tmp, index=False)
    tmp.replace(out)
    from rich.table import Table

    table = Table(title=f"{len(ep)} anomaly episodes → {out}")
    for c in ("indicator", "reason", "severity", "episodes"):
        table.add_column(c)
    if len(ep):
        counts = ep.groupby(["indicator", "reason", "severity"]).size().reset_index(name="n")
        for r in counts.itertuples(index=False):
            table.add_row(r.indicator, r.reason, r.severity, str(r.n))
    console.print(table)


@integrity_app.command("eval")
def eval_cmd(
    source: Path = typer.Argument(..., help="anomalies CSV, DuckDB warehouse file, or season dir with one"),
    truth: Path | None = typer.Argument(None, help="fake_traffic.csv or its <season>-truth dir"),
    tolerance_days: int = typer.Option(0, "--tolerance-days", min=0, help="widen detections when matching"),
    config: Path | None = typer.Option(None, "--config", help="YAML with integrity thresholds"),
    out: Path | None = typer.Option(None, "--out", help="write the per-shape table as CSV"),
) -> None:
    """Episode-level precision and recall per shape of detections against planted truth."""
    from fanxing.integrity import evaluate

    det = _detections(source, _load_config(config))
    res = evaluate(det, _truth(truth, source), tolerance_days=tolerance_days)
    if out is not None:
        res.to_csv(out, index=False)
    from rich.table import Table

    table = Table(title="fake-traffic detection: episode-level precision / recall")
    for c in res.columns:
        table.add_column(c, justify="left" if c == "shape" else "right")
    for r in res.itertuples(index=False):
        table.add_row(*[f"{v:.3f}" if isinstance(v, float) else str(v) for v in r])
    console.print(table)
