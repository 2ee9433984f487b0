"""The smaller season files: dramas.csv (catalogue), platforms.csv, jury.csv, market.csv, surveys/."""

from __future__ import annotations

from pathlib import Path

import ibis
import ibis.expr.types as ir
import yaml

from fanxing.errors import SeasonError
from fanxing.season import headers as H
from fanxing.season import values as V
from fanxing.season.checks import parse_table, quarantine_rows, reject_rows
from fanxing.season.settle import Settled, settle
from fanxing.season.titles import TitleResolver
from fanxing.season.values import Column


def rename(staged, columns: tuple[Column, ...], known: dict[str, str], rel: str,
           overrides: dict[str, str] | None = None, passthrough: bool = False) -> tuple[ir.Table, list[str]]:
    """Contract names for the staged columns; with ``passthrough`` other columns are kept as text."""
    contract = tuple(c.name for c in columns)
    names = H.canonical_names(staged.columns, known, contract, overrides or {})
    missing = [c.name for c in columns if c.required and c.name not in names.values()]
    if missing:
        raise SeasonError(
            f"{rel}: no column for {', '.join(missing)} (columns found: {', '.join(staged.columns)})",
            code="missing_column", details={"file": rel, "missing": missing},
        )
    sel = {"_line": staged.expr["_line"]}
    sel.update({target: staged.expr[src] for src, target in names.items()})
    extra = []
    if passthrough:
        for src in staged.columns:
            if src not in names:
                name = H.normalise_header(src)
                if name and name not in sel and not name.startswith("_"):
                    sel[name] = staged.expr[src]
                    extra.append(name)
    return staged.expr.select(**sel), extra


def check_and_settle(wh, staged, raw: ir.Table, rel: str, columns: tuple[Column, ...], *, key: tuple[str, ...],
                     target: str, load_id: int, reason: str = "conflicting_duplicate",
                     extra: dict | None = None, keep: tuple[str, ...] = (), hint: str | None = None,
                     to_target=None, existing=None, prepare=None,
                     values: tuple[str, ...] | None = None) -> tuple[int, Settled]:
    con, backend = wh.con, wh.backend
    parsed = parse_table(raw, columns, extra=extra, keep=keep)
    parsed = backend.materialize(con, parsed, "parsed")
    try:
        n_bad = 0
        q1 = reject_rows(staged.rejects, file=rel, load_id=load_id)
        if q1 is not None:
            con.insert("quarantine", q1)
            n_bad += len(staged.rejects)
        bad = parsed.filter(parsed._problem.notnull())
        nb = int(bad.count().execute())
        if nb:
            con.insert("quarantine", quarantine_rows(bad, raw, columns, file=rel, load_id=load_id, hint=hint))
            n_bad += nb
        good = parsed.filter(parsed._problem.isnull()).drop("_problem")
        if prepare is not None:
            good = prepare(good)
        if values is None:
            values = tuple(c for c in good.columns if c not in key and c != "_line" and c != (hint or ""))
        settled = settle(wh, good, key=key, values=values, target=target, file=rel, load_id=load_id,
                         reason=reason, to_target=to_target, existing=existing)
        settled.quarantined += n_bad
        return staged.n_rows + len(staged.rejects), settled
    finally:
        backend.drop(con, parsed)


def load_dramas(wh, staged, rel: str, *, load_id: int, overrides=None) -> tuple[int, Settled]:
    raw, _ = rename(staged, H.DRAMA_COLUMNS, H.DRAMA_HEADERS, rel, overrides)
    return check_and_settle(wh, staged, raw, rel, H.DRAMA_COLUMNS, key=("drama_id",), target="dramas",
                            load_id=load_id, reason="duplicate_id")


def load_platforms(wh, staged, rel: str, *, load_id: int) -> tuple[int, Settled]:
    raw, extra = rename(staged, H.PLATFORM_COLUMNS, H.PLATFORM_HEADERS, rel, passthrough=True)
    if extra:
        wh.backend.add_columns(wh.con, "platforms", {c: "VARCHAR" for c in extra})
    cols = H.PLATFORM_COLUMNS + tuple(Column(c, "text") for c in extra)
    raw = raw.mutate(platform=raw.platform.strip().lower())
    return check_and_settle(wh, staged, raw, rel, cols, key=("platform",), target="platforms",
                            load_id=load_id, reason="duplicate_id")


def _unknown_drama(raw: ir.Table, resolver: TitleResolver) -> tuple[ir.Table, dict]:
    from fanxing.season.metrics import drama_map

    ids, _ = drama_map(raw.mutate(title=ibis.null("string")), resolver)
    m = ids.rename(_p_d="_problem", _h_d="_hint").drop("_id")
    t = raw.left_join(m, V.clean(raw.drama_id) == m._raw).drop("_raw")
    return t, {"drama_id": [t._p_d]}


def load_jury(wh, staged, rel: str, *, load_id: int, resolver: TitleResolver) -> tuple[int, Settled]:
    raw, _ = rename(staged, H.JURY_COLUMNS, H.JURY_HEADERS, rel)
    t, extra = _unknown_drama(raw, resolver)
    return check_and_settle(wh, staged, t, rel, H.JURY_COLUMNS, key=("drama_id", "category", "juror"),
                            target="jury", load_id=load_id, extra=extra, keep=("_h_d",), hint="_h_d",
                            prepare=lambda g: g.drop("_h_d"))


def load_market(wh, staged, rel: str, *, load_id: int) -> tuple[int, Settled]:
    raw, _ = rename(staged, H.MARKET_COLUMNS, H.MARKET_HEADERS, rel)
    return check_and_settle(wh, staged, raw, rel, H.MARKET_COLUMNS, key=("year", "kind"), target="market",
                            load_id=load_id)


def load_survey(wh, staged, rel: str, *, load_id: int) -> tuple[int, Settled]:
    """A respondent-level survey file → long form (one row per respondent × column)."""
    survey = Path(rel).name.split(".")[0]
    cols = (Column("respondent_id", "text", required=True), Column("weight", "float", minimum=0))
    known = {"受访者id": "respondent_id", "答卷id": "respondent_id", "权重": "weight"}
    raw, extra = rename(staged, cols, known, rel, passthrough=True)
    variables = [c for c in extra]
    allcols = cols + tuple(Column(v, "text") for v in variables)
    con = wh.con

    def digest(t: ir.Table) -> ir.Table:
        return t.group_by("survey", "respondent_id").aggregate(
            _digest=(t.variable.concat("=", ibis.coalesce(t.value, ""))).group_concat("\x1e", order_by=t.variable),
            weight=t.weight.max(),
        )

    def long(g: ir.Table) -> ir.Table:
        g = g.mutate(survey=ibis.literal(survey), weight=ibis.coalesce(g.weight, 1.0))
        if not variables:
            return g.select("survey", "respondent_id", "weight", variable=ibis.null("string"),
                            value=ibis.null("string")).limit(0)
        return g.select("survey", "respondent_id", "weight", *variables).pivot_longer(
            variables, names_to="variable", values_to="value")

    def prepare(g: ir.Table) -> ir.Table:
        d = digest(long(g))
        return g.mutate(survey=ibis.literal(survey)).join(d.drop("weight"), ["survey", "respondent_id"]).select(
            "_line", "survey", "respondent_id", "weight", "_digest", *variables)

    existing = digest(con.table("surveys").filter(lambda t: t.survey == survey))

    def to_target(g: ir.Table) -> ir.Table:
        return long(g.drop("survey", "_digest")).select("survey", "respondent_id", "weight", "variable", "value")

    # values compared with what is already loaded: the digest of all answers (and the weight)
    return check_and_settle(wh, staged, raw, rel, allcols, key=("survey", "respondent_id"), target="surveys",
                            load_id=load_id, prepare=prepare, to_target=to_target, values=("weight", "_digest"),
                            existing=existing.mutate(weight=ibis.coalesce(existing.weight, 1.0)))


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
