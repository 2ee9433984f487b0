"""The README files written into the demo season and beside it (the truth)."""

SEASON_README = """# 繁星指数 demo season ({start} – {end})

This season is **generated** by `fanxing demo` (seed {seed}, {dramas} dramas, metrics layout: {layout}).
Drama titles, synopses, production institutions, brands, jurors, survey respondents and every
performance figure in `metrics/`, `jury.csv`, `surveys/` and `platforms.csv` are **fictional**:
they were generated from word lists and statistical models. Any resemblance to real titles or
companies is coincidental. The platform reach figures in `platforms.csv` are demo assumptions.

The one exception is `market.csv`: it is the **real** published market-size series of China's
micro short dramas (亿元), each row with its source. Where sources disagree (2025, 2026) both
figures are kept.

Layout:

- `season.yaml` — name, start, end
- `dramas.csv` — the catalogue (lists are `|`-separated)
- `platforms.csv` — platform registry
- `metrics/` — daily figures per (date, platform, drama), as platforms export them
- `mappings/` — column mappings for exports with non-standard headers
- `jury.csv` — expert-panel scores (`institution`: the juror's own institution, for recusal)
- `surveys/` — an audience survey and `questions.yaml`
- `market.csv` — real market-size series with sources
"""

TRUTH_README = """# Truth of the generated demo season

Kept beside the season (never inside it) so that detectors and loaders can be scored against it.

- `fake_traffic.csv` — drama_id, platform, start, end, shape, indicator, factor: planted fake-traffic
  episodes. `start`/`end` are inclusive dates. Shapes: `burst` (2–5 days at 5–20× plays, engagement
  not following), `plateau` (1–3 weeks of flat, elevated plays where decay should happen),
  `slow_creep` (2–6 weeks of inflation growing linearly to 2–4×), `likes_only` (likes at 5–20×, plays
  normal). `factor` is measured on the generated data: the indicator's total over the episode divided
  by its organic total over the same days (for a burst, the per-day multiple).
- `malformed.csv` — file, line, column, reason: deliberately malformed rows. `line` is the 1-based
  physical line (header = line 1) of text files, the sheet row of xlsx files and the 1-based row
  (header excluded) of parquet/jsonl files. `column` is the contract column. For a conflicting
  duplicate the later (inserted) row is listed; its first occurrence is a regular row.
- `exact_duplicates.csv` — file, line, reason: rows repeated verbatim (a loader merges them; they are
  not malformed).
- `latent.csv` — drama_id, quality, hit, organic_plays: the generator's latent traits per drama.
"""
