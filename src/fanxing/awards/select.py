"""`select_awards`: the annual award cases of every category, rule-based and with evidence.

A pure library step: plain frames in, an AwardsResult out, no I/O. See docs/awards.md.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np
import pandas as pd

from fanxing.awards import inputs as inp
from fanxing.awards.blend import blend, normalised, percentile
from fanxing.awards.config import BASE_COMPONENTS, DIMENSIONS, AwardsConfig, DramaCategory, Eligibility
from fanxing.awards.eligibility import ineligibility
from fanxing.awards.genre import genre_rankings
from fanxing.awards.institutions import platform_ranking, producer_ranking
from fanxing.awards.jury import agreement, jury_stats, recuse
from fanxing.awards.novelty import TokensInBackground
from fanxing.awards.novelty import novelty as novelty_scores
from fanxing.awards.reasons import drama_reason, platform_reason, producer_reason
from fanxing.awards.result import AwardsResult, CategoryResult
from fanxing.errors import MethodologyError
from fanxing.frames import isin
from fanxing.index.suggest import did_you_mean


def select_awards(
    annual: pd.DataFrame,
    dramas: pd.DataFrame,
    config: AwardsConfig | None = None,
    *,
    indicators: pd.DataFrame | None = None,
    per_platform: pd.DataFrame | None = None,
    jury: pd.DataFrame | None = None,
    anomalies: pd.DataFrame | None = None,
    season_start: dt.date | str | None = None,
    season_end: dt.date | str | None = None,
    tokens: TokensInBackground | None = None,
) -> AwardsResult:
    """Winners and shortlists of every configured category, plus rankings by genre.

    ``season_start``/``season_end`` bound the release window (None: unbounded on that side).
    ``tokens``: novelty's tokens, segmented in the background since the catalogue was known (see
    ``novelty.TokensInBackground``; used only when they are those of ``dramas``).
    """
    config = config or AwardsConfig()
    ctx = _Context(config, annual, dramas, indicators, per_platform, jury, anomalies, season_start, season_end,
                   tokens)
    results: dict[str, CategoryResult] = {}
    for cid, rules in config.categories.items():
        if isinstance(rules, DramaCategory):
            results[cid] = ctx.drama_category(cid, rules)
        elif cid == "producer":
            results[cid] = ctx.producer_category(rules)
        else:
            results[cid] = ctx.platform_category(rules)
    season = {"start": _iso(season_start), "end": _iso(season_end)}
    genres = genre_rankings(ctx.annual, ctx.dramas, config.genre_top_n)
    return AwardsResult(season=season, config=config, categories=results, genre_rankings=genres,
                        notes=ctx.notes)


def _iso(day: object) -> str | None:
    return None if day is None else pd.Timestamp(day).date().isoformat()


class _Context:
    """The prepared inputs and the per-drama facts shared by the categories."""

    def __init__(self, config, annual, dramas, indicators, per_platform, jury, anomalies, start, end, tokens=None):
        self.config, self.start, self.end, self.tokens = config, start, end, tokens
        self.notes: list[str] = []
        self.annual = inp.prepare_annual(annual, DIMENSIONS)
        self.dramas = inp.prepare_dramas(dramas)
        self.units = pd.Index(sorted(set(self.annual.index) | set(self.dramas.index)), name="drama_id")
        self.indicators = self._indicators(indicators)
        self.per_platform = inp.prepare_per_platform(per_platform)
        self.jury_kept, self.jury_recused = recuse(inp.prepare_jury(jury), self.dramas, config.jury.recusal)
        self.jury = jury_stats(self.jury_kept, self.jury_recused, config.jury.trim, config.jury.min_jurors)
        known = set(config.drama_categories())
        unknown = sorted(set(self.jury_kept["category"]) - known)
        if unknown:
            self.notes.append(f"jury scores of categories not awarded were ignored: {', '.join(unknown)}")
        self.integrity = self._integrity(inp.prepare_anomalies(anomalies))
        self._novelty: pd.DataFrame | None = None

    # ----- shared facts -------------------------------------------------------------------
    def _indicators(self, indicators: pd.DataFrame | None) -> pd.DataFrame:
        if indicators is None or len(indicators) == 0:
            return pd.DataFrame(index=self.units)
        inp._require(indicators, "indicators", ["drama_id"])
        ind = indicators.copy()
        ind["drama_id"] = ind["drama_id"].map(inp.text)
        if ind["drama_id"].duplicated().any():
            raise inp.AwardsInputError("awards input 'indicators' must hold one row per drama (annual values); "
                                       f"'{ind.loc[ind['drama_id'].duplicated(), 'drama_id'].iloc[0]}' repeats")
        ind = ind.set_index("drama_id")
        num = ind.select_dtypes("number")
        return num.reindex(self.units)

    def _integrity(self, anomalies: pd.DataFrame) -> pd.DataFrame:
        g = anomalies.groupby("drama_id")["severity"]
        out = pd.DataFrame({"anomalies": g.size(), "max_severity": g.max()}).reindex(self.units)
        out["anomalies"] = out["anomalies"].fillna(0).astype("int64")
        out["max_severity"] = out["max_severity"].fillna(0).astype("int64")
        flagged = self.annual["flagged"].reindex(self.units)
        out["flagged"] = flagged.where(flagged.notna(), False).astype(bool)
        threshold = inp.SEVERITIES[self.config.anomaly_severity]
        out["triggered"] = out["max_severity"] >= threshold
        return out

    def novelty(self) -> pd.DataFrame:
        if self._novelty is None:
            self._novelty = novelty_scores(self.dramas, self.config.novelty, self.tokens).reindex(self.units)
        return self._novelty

    def _resolve(self, cid: str, name: str, eligible: pd.Index) -> pd.Series:
        """The 0..100 value of one blend component for the eligible dramas."""
        if name == "score" or name in DIMENSIONS:
            return self.annual[name].reindex(eligible)
        if name == "novelty":
            return self.novelty()["novelty"].reindex(eligible)
        if name == "jury":
            j = self.jury.xs(cid, level="category") if cid in self.jury.index.get_level_values(0) else None
            if j is None:
                return pd.Series(np.nan, index=eligible)
            j = j.reindex(eligible)
            return j["trimmed_mean"].where(j["enough"].fillna(False).astype(bool))
        if name in self.indicators.columns:
            return percentile(self.indicators[name].reindex(eligible))
        valid = [*BASE_COMPONENTS, *self.indicators.columns]
        raise MethodologyError(
            f"awards.categories.{cid}.weights.{name}: unknown blend component{did_you_mean(name, valid)}; "
            f"valid: {', '.join(map(str, valid))}", details={"key": f"awards.categories.{cid}.weights.{name}"})

    # ----- drama categories ---------------------------------------------------------------
    def drama_category(self, cid: str, rules: DramaCategory) -> CategoryResult:
        reason = ineligibility(self.units, self.annual, self.dramas, rules.eligibility, self.start, self.end)
        rule = self.config.anomaly_rule_for(cid)
        triggered = self.integrity["triggered"]
        if rule == "exclude":
            reason[(reason == "") & triggered] = "anomaly_excluded"
        eligible = reason.index[reason == ""]
        comps = pd.DataFrame({n: self._resolve(cid, n, eligible) for n in rules.weights}, index=eligible)
        for n in rules.require:
            reason[eligible[comps[n].isna().to_numpy()]] = "missing_component"
        has_jury = cid in set(self.jury_kept["category"])
        if rules.weights.get("jury", 0) > 0 and has_jury and self.config.jury.on_too_few == "ineligible":
            reason[eligible[comps["jury"].isna().to_numpy()]] = "too_few_jurors"
        eligible = reason.index[reason == ""]
        comps = comps.reindex(eligible)
        b = blend(comps, rules.weights)
        ranked = self._order(comps.join(b), rule)
        n_cases = rules.winners + rules.shortlist
        cases = [self._drama_case(cid, rules, ranked.iloc[i], i + 1, rule) for i in range(min(n_cases, len(ranked)))]
        return CategoryResult(
            id=cid, name_zh=rules.name_zh, name_en=rules.name_en, kind="drama",
            weights=normalised(rules.weights), winners=cases[: rules.winners], shortlist=cases[rules.winners:],
            n_entrants=len(self.units), n_candidates=len(ranked),
            excluded=dict(sorted(Counter(r for r in reason if r).items())),
            agreement=agreement(self.jury_kept, cid).to_dict() if has_jury else None,
            ranking=ranked.reset_index(),
        )

    def _order(self, frame: pd.DataFrame, rule: str) -> pd.DataFrame:
        """Demoted dramas last (rule `demote`); then blended desc, index score desc, earlier release,
        drama_id. Blended and index scores are compared at 9 decimals so float noise cannot decide."""
        ids = frame.index
        key = pd.DataFrame({
            "demoted": (self.integrity["triggered"].reindex(ids).to_numpy() if rule == "demote"
                        else np.zeros(len(ids), dtype=bool)),
            "blended": frame["blended"].round(9).to_numpy(),
            "score": self.annual["score"].reindex(ids).round(9).to_numpy(),
            "release": self.dramas["release_date"].reindex(ids).to_numpy(),
            "id": ids.to_numpy(),
        }, index=ids)
        key = key.sort_values(["demoted", "blended", "score", "release", "id"],
                              ascending=[True, False, False, True, True], na_position="last", kind="mergesort")
        out = frame.loc[key.index].copy()
        out.insert(0, "category_rank", np.arange(1, len(out) + 1))
        out.insert(1, "demoted", key["demoted"].to_numpy())
        return out

    def _drama_case(self, cid: str, rules: DramaCategory, row: pd.Series, pos: int, rule: str) -> dict:
        did = row.name
        a = self.annual.loc[did] if did in self.annual.index else None
        d = self.dramas.loc[did] if did in self.dramas.index else None
        j = self.jury.loc[(cid, did)] if (cid, did) in self.jury.index else None
        integ = self.integrity.loc[did]
        comps = {n: row[n] for n in rules.weights}
        case = {
            "category_rank": pos, "status": "winner" if pos <= rules.winners else "shortlist",
            "unit_id": did, "drama_id": did,
            "name": (a["title"] if a is not None else d["title"]),
            "producer": d["producer"] if d is not None else None,
            "release_date": d["release_date"] if d is not None else None,
            "blended": row["blended"], "components": comps,
            "weights": {n: row[f"w_{n}"] for n in rules.weights},
            "index": {k: (a[k] if a is not None else None) for k in ("score", "rank", "rank_low", "rank_high", "p_top10")},
            "dimensions": {k: (a[k] if a is not None else None) for k in DIMENSIONS},
            "jury": {
                "n_jurors": int(j["n_jurors"]) if j is not None else 0,
                "n_recused": int(j["n_recused"]) if j is not None else 0,
                "trimmed_mean": j["trimmed_mean"] if j is not None else None,
                "mean": j["mean"] if j is not None else None,
                "sd": j["sd"] if j is not None else None,
                "used": bool(j is not None and j["enough"] and "jury" in rules.weights),
            },
            "drama": {
                "genres": list(d["genres"]) if d is not None else [],
                "ip_source": (d["ip_source"] or None) if d is not None else None,
                "brand_partner": (d["brand_partner"] or None) if d is not None else None,
                "industry_tags": list(d["industry_tags"]) if d is not None else [],
                "region": (d["region"] or None) if d is not None else None,
            },
            "integrity": {
                "anomalies": int(integ["anomalies"]),
                "max_severity": inp.SEVERITY_NAMES.get(int(integ["max_severity"])),
                "flagged": bool(integ["flagged"]),
                "rule_applied": rule if bool(integ["triggered"]) and rule != "exclude" else None,
            },
        }
        if "novelty" in rules.weights:
            nv = self.novelty().loc[did]
            near = nv["nearest_earlier"]
            case["novelty"] = {
                "distance": nv["novelty_distance"], "n_earlier": int(nv["n_earlier"]),
                "nearest_id": near, "nearest_similarity": nv["nearest_similarity"],
                "nearest_title": self.dramas.at[near, "title"] if isinstance(near, str) else None,
            }
        case["reason"] = drama_reason(case, cid)
        return case

    # ----- institutions -------------------------------------------------------------------
    def _counted_works(self, rules) -> tuple[pd.Index, pd.Series]:
        """Ranked dramas that count for an institution: released in the season (when asked) and
        without a triggering anomaly (when the rule is `exclude`)."""
        elig = Eligibility(release_in_season=rules.release_in_season)
        reason = ineligibility(self.units, self.annual, self.dramas, elig, self.start, self.end)
        if rules.anomaly_rule == "exclude":
            reason[(reason == "") & self.integrity["triggered"]] = "anomaly_excluded"
        return reason.index[reason == ""], reason

    def producer_category(self, rules) -> CategoryResult:
        counted, reason = self._counted_works(rules)
        works = self.annual.loc[isin(self.annual.index, counted), ["drama_id", "title", "score", "rank"]].copy()
        works["producer"] = self.dramas["producer"].reindex(works.index).fillna("")
        works["genres"] = self.dramas["genres"].reindex(works.index).map(lambda v: v if isinstance(v, list) else [])
        ranking = producer_ranking(works, self.per_platform, len(self.annual), rules)
        cases = self._institution_cases(ranking, rules, "producer",
                                        lambda r: producer_reason(r, rules.top_k, rules.top_share))
        n_entrants = int(works["producer"].ne("").groupby(works["producer"]).size().shape[0])
        return self._institution_result("producer", rules, ranking, cases, n_entrants, reason)

    def platform_category(self, rules) -> CategoryResult:
        counted, reason = self._counted_works(rules)
        ranking = platform_ranking(self.per_platform, self.annual, counted, rules)
        if self.per_platform.empty:
            self.notes.append("no per-platform plays were given: no platform of the year")
        cases = self._institution_cases(ranking, rules, "platform",
                                        lambda r: platform_reason(r, rules.top_k, rules.hits_top_n))
        n_entrants = int(self.per_platform["platform"].nunique())
        return self._institution_result("platform", rules, ranking, cases, n_entrants, reason)

    def _institution_cases(self, ranking: pd.DataFrame, rules, key: str, reason_of) -> list[dict]:
        comps = list(rules.weights)
        cases = []
        for _, r in ranking.head(rules.winners + rules.shortlist).iterrows():
            row = r.to_dict()
            pos = int(row["category_rank"])
            cases.append({
                "category_rank": pos, "status": "winner" if pos <= rules.winners else "shortlist",
                "unit_id": row[key], "name": row[key], "blended": row["blended"],
                "components": {c: row[c] for c in comps},
                "weights": {c: row[f"w_{c}"] for c in comps},
                "facts": {k: row[k] for k in row if k.startswith("n_")},
                "top_works": [{"drama_id": i, "title": t} for i, t in zip(row["top_work_ids"], row["top_works"],
                                                                           strict=True)],
                "reason": reason_of(row),
            })
        return cases

    def _institution_result(self, cid, rules, ranking, cases, n_entrants, reason) -> CategoryResult:
        excluded = dict(sorted(Counter(r for r in reason if r).items()))
        return CategoryResult(
            id=cid, name_zh=rules.name_zh, name_en=rules.name_en, kind=cid, weights=normalised(rules.weights),
            winners=cases[: rules.winners], shortlist=cases[rules.winners:], n_entrants=n_entrants,
            n_candidates=len(ranking), excluded={f"works_{k}": v for k, v in excluded.items()},
            ranking=ranking.rename(columns={"blended": "score", "category_rank": "rank"}),
        )
