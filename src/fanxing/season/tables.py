"""The smaller season files: dramas.csv (catalogue), platforms.csv, jury.csv, market.csv, surveys/."""

from __future__ import annotations

from pathlib import Path

import ibis
import ibis.expr.types as ir
import yaml

from fanxing.errors import SeasonError
from fanxing.season import headers as H
from fanxing.season import readers
from fanxing.season.checks import SEP, parse_table
from fanxing.season.loader import Prepared
from fanxing.season.titles import TitleResolver
from fanxing.season.values import Column


def rename(e: ir.Table, columns: tuple[Column, ...], known: dict[str, str], rel: str,
           overrides: dict[str, str] | None = None, passthrough: bool = False) -> tuple[ir.Table, list[str]]:
    """Contract names for the file's columns; with ``passthrough`` other columns are kept as text."""
    headers = [c for c in e.columns if c != "_line"]
    contract = tuple(c.name for c in columns)
    names = H.canonical_names(headers, known, contract, overrides or {})
    missing = [c.name for c in columns if c.required and c.name not in names.values()]
    if missing:
        raise SeasonError(
            f"{rel}: no column for {', '.join(missing)} (columns found: {', '.join(headers)})",
            code="missing_column", details={"file": rel, "missing": missing},
        )
    sel = {"_line": e["_line"]} if "_line" in e.columns else {}
    sel.update({target: e[src] for src, target in names.items()})
    extra = []
    if passthrough:
        for src in headers:
            if src not in names:
                name = H.normalise_header(src)
                if name and name not in sel and not name.startswith("_"):
                    sel[name] = e[src]
                    extra.append(name)
    return e.select(**sel), extra


def _read_checked(wh, src, tmpdir, encoding, columns, known, overrides=None, passthrough=False,
                  before=None):
    """Read once; returns (Read, extra passthrough columns, the full column list checked)."""
    info: dict = {}

    def transform(e: ir.Table) -> ir.Table:
        t, extra = rename(e, columns, known, src.rel, overrides, passthrough)
        if before is not None:
            t = before(t, extra)
        cols = columns + tuple(Column(c, "text") for c in extra)
        info.update(extra=extra, cols=cols)
        return parse_table(t, cols)

    read = readers.read(wh, src, tmpdir, transform, encoding)
    return read, info["extra"], info["cols"]


def _drama_check(p: ir.Table, resolver: TitleResolver) -> ir.Table:
    """Add unknown_drama (after the row's own problems) for drama ids not in the catalogue."""
    from fanxing.season.metrics import _distinct_values, _memtable, drama_map

    rows, _ = drama_map({"drama_id": _distinct_values(p.select("drama_id"))["drama_id"]}, resolver)
    m = _memtable(rows).rename(_p_d="_problem", _h_d="_hint").drop("_id", "_blank")
    t = p.left_join(m, p.drama_id == m._raw).drop("_raw")
    late = t._problem.isnull() & t._p_d.notnull()
    return t.mutate(
        _problem=ibis.cases((late, t._p_d.concat(SEP + "drama_id")), else_=t._problem),
        _value=ibis.cases((late, t.drama_id), else_=t._value),
        _hint=ibis.cases((late, t._h_d), else_=ibis.null("string")),
    ).drop("_p_d", "_h_d")


def prepare_dramas(wh, src, tmpdir, fmap) -> Prepared:
    read, _, cols = _read_checked(wh, src, tmpdir, fmap.encoding, H.DRAMA_COLUMNS, H.DRAMA_HEADERS, fmap.columns)
    values = tuple(c.name for c in cols if c.name != "drama_id")
    return Prepared(read, read.table, cols, ("drama_id",), values, "dramas", reason="duplicate_id")


def prepare_platforms(wh, src, tmpdir, fmap) -> Prepared:
    def lower(t, extra):
        return t.mutate(platform=t.platform.strip().lower())

    read, extra, cols = _read_checked(wh, src, tmpdir, fmap.encoding, H.PLATFORM_COLUMNS, H.PLATFORM_HEADERS,
                                      passthrough=True, before=lower)
    if extra:
        wh.backend.add_columns(wh.con, "platforms", {c: "VARCHAR" for c in extra})
    values = tuple(c.name for c in cols if c.name != "platform")
    return Prepared(read, read.table, cols, ("platform",), values, "platforms", reason="duplicate_id")


def prepare_jury(wh, src, tmpdir, fmap, resolver: TitleResolver) -> Prepared:
    read, _, cols = _read_checked(wh, src, tmpdir, fmap.encoding, H.JURY_COLUMNS, H.JURY_HEADERS)
    key = ("drama_id", "category", "juror")
    values = tuple(c.name for c in cols if c.name not in key)
    return Prepared(read, _drama_check(read.table, resolver), cols, key, values, "jury", hint="_hint")


def prepare_market(wh, src, tmpdir, fmap) -> Prepared:
    read, _, cols = _read_checked(wh, src, tmpdir, fmap.encoding, H.MARKET_COLUMNS, H.MARKET_HEADERS)
    return Prepared(read, read.table, cols, ("year", "kind", "source"), ("market_size_cny_100m",), "market")


SURVEY_COLUMNS = (Column("respondent_id", "text", required=True), Column("weight", "float", minimum=0))
SURVEY_HEADERS = {"受访者id": "respondent_id", "答卷id": "respondent_id", "权重": "weight"}


def prepare_survey(wh, src, tmpdir, fmap) -> Prepared:
    """A respondent-level survey → long form (one row per respondent × question/demographic column).

    Respondents are compared with what is loaded through a digest of all their answers."""
    survey = Path(src.rel).name.split(".")[0]
    read, variables, cols = _read_checked(wh, src, tmpdir, fmap.encoding, SURVEY_COLUMNS, SURVEY_HEADERS,
                                          passthrough=True)
    con = wh.con

    def digest(t: ir.Table) -> ir.Table:
        pair = t.variable.concat("=", ibis.coalesce(t.value, ""))
        return t.group_by("survey", "respondent_id").aggregate(
            _digest=pair.collect().sort().join("\x1e"), weight=t.weight.max())

    def long(g: ir.Table) -> ir.Table:
        g = g.mutate(survey=ibis.literal(survey), weight=ibis.coalesce(g.weight, 1.0))
        if not variables:
            return g.select("survey", "respondent_id", "weight", variable=ibis.literal("", "string"),
                            value=ibis.null("string")).filter(ibis.literal(False))
        return g.select("survey", "respondent_id", "weight", *variables).pivot_longer(
            variables, names_to="variable", values_to="value")

    def shape_good(g: ir.Table) -> ir.Table:
        g = g.select("_line", "respondent_id", "weight", *variables)
        d = digest(long(g))
        g = g.mutate(survey=ibis.literal(survey), weight=ibis.coalesce(g.weight, 1.0))
        g = g.join(d.drop("weight"), ["survey", "respondent_id"])
        return g.select("_line", "survey", "respondent_id", "weight", "_digest", *variables)

    def to_target(g: ir.Table) -> ir.Table:
        return long(g.drop("survey", "_digest")).select("survey", "respondent_id", "weight", "variable", "value")

    existing = digest(con.table("surveys").filter(lambda t: t.survey == survey))
    existing = existing.mutate(weight=ibis.coalesce(existing.weight, 1.0))
    return Prepared(read, read.table, cols, ("survey", "respondent_id"), ("weight", "_digest"), "surveys",
                    shape_good=shape_good, settle_kwargs={"to_target": to_target, "existing": existing})


def load_questions(wh, path: Path, rel: str, surveys: list[str]) -> int:
    """``surveys/questions.yaml``: either {questions: [...]} for every survey or {survey: [...]}."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SeasonError(f"{rel}: not valid YAML ({exc})", details={"file": rel}) from exc
    if isinstance(data, list):
        data = {"questions": data}
    if not isinstance(data, dict):
        raise SeasonError(f"{rel}: expected a list of questions", details={"file": rel})
    groups = {s: data["questions"] for s in (surveys or ["survey"])} if "questions" in data else data
    rows = []
    for survey, qs in groups.items():
        for i, q in enumerate(qs or [], start=1):
            if not isinstance(q, dict) or "id" not in q:
                raise SeasonError(f"{rel}: question {i} of {survey!r} has no id", details={"file": rel})
            qtype = str(q.get("type", "single"))
            if qtype not in H.QUESTION_TYPES:
                raise SeasonError(f"{rel}: question {q['id']!r} has type {qtype!r}; expected one of "
                                  f"{', '.join(H.QUESTION_TYPES)}", details={"file": rel})
            rows.append((str(survey), str(q["id"]), str(q.get("text", "")), qtype))
    existing = wh.con.table("survey_questions").execute()
    have = set(zip(existing.survey, existing.question_id, strict=True))
    new = [r for r in rows if (r[0], r[1]) not in have]
    if new:
        wh.con.insert("survey_questions", ibis.memtable(
            {k: [r[i] for r in new] for i, k in enumerate(("survey", "question_id", "text", "type"))},
            schema=wh.con.table("survey_questions").schema()))
    return len(rows)
