"""`fanxing awards`: the award cases of a build (winners, shortlist, evidence), as Rich tables."""

from __future__ import annotations

from pathlib import Path

import typer

from fanxing.cli.app import app, console


@app.command()
def awards(
    season_or_build: Path = typer.Argument(..., help="A build directory (awards.json or its rankings)."),
    category: str | None = typer.Option(None, "--category", "-c", help="Only this category id."),
    genres: bool = typer.Option(False, "--genres", help="Also print the rankings by genre."),
    as_json: bool = typer.Option(False, "--json", help="Print awards.json instead of tables."),
) -> None:
    """Award cases of the year per category: winners, shortlist and the reason for each."""
    import json

    from fanxing.awards import loader
    from fanxing.errors import NotFoundError

    data = loader.published(season_or_build)
    if data is None:
        from fanxing.awards import select_awards

        data = select_awards(**loader.inputs_from_build(season_or_build)).to_json_dict()
    cats = data.get("categories", {})
    if category is not None:
        if category not in cats:
            from fanxing.index.suggest import did_you_mean

            raise NotFoundError(f"no award category '{category}'{did_you_mean(category, cats)}; "
                                f"categories: {', '.join(cats)}")
        cats = {category: cats[category]}
    if as_json:
        console.print_json(json.dumps({**data, "categories": cats}, ensure_ascii=False))
        return
    for cat in cats.values():
        _print_category(cat)
    if genres:
        _print_genres(data.get("genre_rankings", []))
    for note in data.get("notes", []):
        console.print(f"[yellow]note:[/] {note}", highlight=False)


def _fmt(x: object, digits: int = 1) -> str:
    return "–" if x is None else f"{x:.{digits}f}" if isinstance(x, float) else str(x)


def _print_category(cat: dict) -> None:
    from rich.table import Table

    agree = cat.get("jury_agreement") or {}
    caption = f"{cat['n_candidates']} candidates"
    if agree.get("icc21") is not None:
        caption += (f" · jury ICC(2,1) {agree['icc21']:.2f}, Kendall's W {_fmt(agree.get('kendall_w'), 2)} "
                    f"({agree['n_dramas']} dramas × {agree['n_jurors']} jurors)")
    if cat.get("excluded"):
        caption += " · excluded: " + ", ".join(f"{k} {v}" for k, v in cat["excluded"].items())
    table = Table(title=f"{cat['name_zh']}  {cat['name_en']}", caption=caption, show_lines=False)
    for col, kw in (("#", {"justify": "right"}), ("status", {}), ("case", {}), ("blended", {"justify": "right"}),
                    ("index", {"justify": "right"}), ("jury", {"justify": "right"}), ("integrity", {}),
                    ("reason", {"overflow": "fold"})):
        table.add_column(col, **kw)
    for case in cat.get("winners", []) + cat.get("shortlist", []):
        idx, jury, integ = case.get("index") or {}, case.get("jury") or {}, case.get("integrity") or {}
        rank = idx.get("rank")
        index = "–" if rank is None else f"{rank} ({idx.get('rank_low')}–{idx.get('rank_high')})"
        juryt = "–" if not jury.get("n_jurors") else f"{_fmt(jury.get('trimmed_mean'))} ×{jury['n_jurors']}"
        integt = "ok" if not integ.get("anomalies") else f"{integ['anomalies']} {integ.get('max_severity')}"
        if integ.get("rule_applied"):
            integt += f" ({integ['rule_applied']})"
        status = "[bold green]winner[/]" if case["status"] == "winner" else "shortlist"
        name = case["name"] if cat["kind"] != "drama" else f"《{case['name']}》 {case['unit_id']}"
        table.add_row(str(case["category_rank"]), status, name, _fmt(case.get("blended")), index, juryt,
                      integt if cat["kind"] == "drama" else "", case.get("reason", ""))
    console.print(table)


def _print_genres(rows: list[dict]) -> None:
    from rich.table import Table

    table = Table(title="题材榜 Rankings by genre")
    for col in ("genre", "#", "drama", "score", "annual rank"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["genre"], str(r["genre_rank"]), f"《{r['title']}》 {r['drama_id']}", _fmt(r["score"]),
                      str(r["rank"]))
    console.print(table)
