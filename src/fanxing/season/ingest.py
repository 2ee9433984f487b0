"""Ingest a season directory into a warehouse (or validate it in memory), file by file."""

from __future__ import annotations

import contextlib
import datetime as _dt
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import ibis
import yaml

from fanxing.errors import FanxingError, SeasonError, UnreadableFileError
from fanxing.parallel import ordered_map, threads
from fanxing.season import metrics as M
from fanxing.season import tables as T
from fanxing.season.headers import PLATFORM_IDS, normalise_header
from fanxing.season.loader import commit
from fanxing.season.mappings import load_mappings, mapping_for
from fanxing.season.partitions import prune
from fanxing.season.readers import Source, file_format, open_source
from fanxing.season.report import FileReport, IngestReport
from fanxing.season.titles import TitleResolver

#: called once per file before it is read: (relative path, index from 0, number of files)
Progress = Callable[[str, int, int], None]
_STEMS = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".xlsx", ".parquet", ".jsonl")


def _find(season: Path, stem: str) -> Path | None:
    for ext in _STEMS:
        p = season / (stem + ext)
        if p.is_file():
            return p
    return None


def _listing(folder: Path, skip: tuple[str, ...] = ()) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        (p for p in folder.rglob("*") if p.is_file() and not p.name.startswith((".", "~$")) and p.name not in skip),
        key=lambda p: p.relative_to(folder).as_posix(),
    )


def season_files(season: Path) -> list[tuple[str, Path]]:
    """(kind, path) in load order: registry and catalogue first, then metrics, then the rest."""
    files: list[tuple[str, Path]] = []
    for kind, stem in (("platforms", "platforms"), ("dramas", "dramas")):
        if p := _find(season, stem):
            files.append((kind, p))
    files += [("metrics", p) for p in _listing(season / "metrics")]
    if p := _find(season, "jury"):
        files.append(("jury", p))
    files += [("survey", p) for p in _listing(season / "surveys", ("questions.yaml", "questions.yml"))]
    if p := _find(season, "market"):
        files.append(("market", p))
    return files


def _next_load_id(con) -> int:
    v = con.table("load_log").load_id.max().execute()
    return 1 if v is None or v != v else int(v) + 1


def _loaded_contents(con) -> set[tuple[str, str]]:
    """(sha256, kind) of every file loaded so far: read once, then kept up to date by ``_log``."""
    t = con.table("load_log")
    df = t.filter(t.status == "loaded").select("sha256", "kind").distinct().execute()
    return set(zip(df["sha256"], df["kind"], strict=True))


def _loaded_files(con) -> set[str]:
    """Names of the files loaded so far (any kind)."""
    t = con.table("load_log")
    df = t.filter(t.status == "loaded").select("file").distinct().execute()
    return set(df["file"])


def _log(wh, load_id: int, fr: FileReport, loaded: set[tuple[str, str]] | None = None) -> None:
    con = wh.con
    row = {
        "load_id": load_id, "file": fr.file, "sha256": fr.sha256, "kind": fr.kind, "format": fr.format,
        "encoding": fr.encoding, "rows_read": fr.rows_read, "rows_loaded": fr.rows_loaded,
        "rows_merged": fr.rows_merged, "rows_quarantined": fr.rows_quarantined,
        "loaded_at": _dt.datetime.now().replace(microsecond=0), "status": fr.status, "error": fr.error,
    }
    wh.backend.insert_rows(con, "load_log", [row])
    if loaded is not None and fr.status == "loaded":
        loaded.add((fr.sha256, fr.kind))


def _resolver(con) -> TitleResolver:
    df = con.table("dramas").select("drama_id", "title", "aliases").execute()
    aliases = [list(a) if a is not None else [] for a in df["aliases"]]
    return TitleResolver(zip(df["drama_id"], df["title"], aliases, strict=True))


def _platforms(con) -> tuple[dict[str, str], bool]:
    """Known platform keys (ids and display names, normalised) → id; whether a registry exists."""
    df = con.table("platforms").select("platform", "name").execute()
    if not len(df):
        return {p: p for p in PLATFORM_IDS}, False
    known = {}
    for pid, name in zip(df["platform"], df["name"], strict=True):
        known[normalise_header(pid)] = pid
        if isinstance(name, str) and name.strip():
            known.setdefault(normalise_header(name), pid)
    return known, True


def _read_season_yaml(season: Path) -> dict:
    p = season / "season.yaml"
    if not p.is_file():
        return {}
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8-sig")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SeasonError(f"season.yaml: not valid YAML ({exc})", details={"file": "season.yaml"}) from exc
    if not isinstance(data, dict):
        raise SeasonError("season.yaml: expected keys name, start, end", details={"file": "season.yaml"})
    out = {}
    for key in ("start", "end"):
        v = data.get(key)
        if v is None:
            continue
        if isinstance(v, _dt.date):
            out[key] = v
            continue
        try:
            out[key] = _dt.date.fromisoformat(str(v).strip())
        except ValueError as exc:
            raise SeasonError(f"season.yaml: {key} {v!r} is not an ISO date (YYYY-MM-DD)",
                              details={"file": "season.yaml", "key": key}) from exc
    if data.get("name") is not None:
        out["name"] = str(data["name"])
    plats = data.get("platforms")
    if plats is not None:
        items = plats.split("|") if isinstance(plats, str) else plats
        if not isinstance(items, list) or not all(isinstance(x, str) and x.strip() for x in items):
            raise SeasonError(f"season.yaml: platforms {plats!r} should be a list of platform ids, "
                              "e.g. [douyin, kuaishou]", details={"file": "season.yaml", "key": "platforms"})
        out["platforms"] = frozenset(x.strip() for x in items)
    unknown = sorted(set(data) - {"name", "start", "end", "platforms"})
    if unknown:
        out["_unknown"] = unknown
    return out


def _write_season(wh, season: Path, given: dict) -> dict:
    con = wh.con
    facts = con.table("facts")
    lo, hi = facts.date.min().execute(), facts.date.max().execute()

    def as_date(v):
        return None if v is None or v != v else (v.date() if hasattr(v, "date") else v)

    row = {
        "name": given.get("name") or season.name,
        "start": given.get("start") or as_date(lo),
        "end": given.get("end") or as_date(hi),
    }
    wh.backend.truncate(con, "season")
    con.insert("season", ibis.memtable({k: [v] for k, v in row.items()}, schema=con.table("season").schema()))
    return row


def _catalogue(wh, cache: dict) -> None:
    """The title resolver and the platform registry into ``cache``, read once they are loaded."""
    if "resolver" not in cache:
        cache["resolver"] = _resolver(wh.con)
        cache["platforms"] = _platforms(wh.con)


def _prepare(wh, kind: str, src: Source, tmpdir: Path, mappings, cache: dict):
    fmap = mapping_for(mappings, src.rel)
    if kind in ("metrics", "jury"):  # dramas/platforms load first
        _catalogue(wh, cache)
    if kind == "metrics":
        known, registry = cache["platforms"]
        return M.prepare_metrics(wh, src, tmpdir, fmap, resolver=cache["resolver"], platforms=known,
                                 registry=registry)
    if kind == "dramas":
        return T.prepare_dramas(wh, src, tmpdir, fmap)
    if kind == "platforms":
        return T.prepare_platforms(wh, src, tmpdir, fmap)
    if kind == "jury":
        return T.prepare_jury(wh, src, tmpdir, fmap, cache["resolver"])
    if kind == "market":
        return T.prepare_market(wh, src, tmpdir, fmap)
    if kind == "survey":
        return T.prepare_survey(wh, src, tmpdir, fmap)
    raise ValueError(kind)


def _workers(wh) -> int:
    """Files loaded at a time: two where the engine gives a thread its own connection (DuckDB)
    and two CPUs are usable (``FANXING_THREADS``), else one."""
    if not hasattr(wh.backend, "worker"):
        return 1
    return min(2, threads())


class _Stopped(Exception):
    """A file before this one failed with an unexpected error: this one is not written."""


class _Turns:
    """Files write (their quarantine rows, facts and load_log row, in one transaction each) in file
    order: file ``i`` waits until every file before it is done. Reading and checking a file needs
    no turn, so the next file is read while this one writes. After an unexpected error in file
    ``k`` (``fail(k)``), the files before ``k`` still write, as one at a time would have; those
    after it stop at their turn."""

    def __init__(self, first: int):
        self._cv = threading.Condition()
        self._next = first
        self._failed_at: int | None = None

    def _stopped(self, i: int) -> bool:
        return self._failed_at is not None and i > self._failed_at

    @contextlib.contextmanager
    def turn(self, i: int):
        with self._cv:
            self._cv.wait_for(lambda: self._next == i or self._stopped(i))
            if self._stopped(i):
                raise _Stopped()
        try:
            yield
        finally:
            with self._cv:
                self._next = i + 1
                self._cv.notify_all()

    def fail(self, k: int) -> None:
        with self._cv:
            self._failed_at = k if self._failed_at is None else min(k, self._failed_at)
            self._cv.notify_all()


class _Loader:
    """Loads season files: ``one`` in the calling thread, ``run_parallel`` two at a time."""

    def __init__(self, wh, tmp: Path, mappings, cache: dict, load_id: int, loaded: set, loaded_files: set,
                 report: IngestReport, progress: Progress | None, n: int):
        self.wh, self.tmp, self.mappings, self.cache = wh, tmp, mappings, cache
        self.load_id, self.loaded, self.loaded_files = load_id, loaded, loaded_files
        self.report, self.progress, self.n = report, progress, n

    def one(self, wh, i: int, kind: str, path: Path, fr: FileReport, turns: _Turns | None = None) -> None:
        """Load file ``i``: read and check it (no turn needed), then write it in its turn."""
        turn = turns.turn(i) if turns is not None else contextlib.nullcontext()
        if turns is None and self.progress:
            self.progress(fr.file, i, self.n)
        state = self._read(wh, kind, path, fr)
        with turn:
            if turns is not None and self.progress:
                self.progress(fr.file, i, self.n)
            self._write(wh, kind, fr, *state)

    def _read(self, wh, kind: str, path: Path, fr: FileReport):
        """(source, prepared, error): the file read and checked, or the error that stopped it."""
        src = None
        try:
            # a file never loaded under this name is most likely new: its hash pass runs alongside
            # the read, and the skip check waits for it (a rename of a loaded file is still
            # skipped, after a wasted read); a known name is hashed first
            src = open_source(path, fr.file, background=fr.file not in self.loaded_files)
            if src.pending is None and (src.sha256, kind) in self.loaded:
                return src, None, None
            # read and checked outside the transaction (row ids give the file order only once
            # committed); the file's writes then happen in one transaction
            try:
                prepared = _prepare(wh, kind, src, self.tmp, self.mappings, self.cache)
            finally:
                src.finish()  # the hash and the whole-file checks, before anything is written
            return src, prepared, None
        except FanxingError as exc:
            return src, None, exc

    def _write(self, wh, kind: str, fr: FileReport, src, prepared, error) -> None:
        """In the file's turn: skip it (same content already loaded), record its error, or commit it."""
        con, load_id = wh.con, self.load_id
        try:
            if error is not None:
                raise error
            fr.sha256 = src.sha256
            if (src.sha256, kind) in self.loaded:
                if prepared is not None:
                    wh.backend.drop_names(con, prepared.read.temps)
                fr.status = "skipped"
                _log(wh, load_id, fr)
                return
            try:
                with wh.backend.transaction(con):
                    read, settled = commit(wh, prepared, fr.file, load_id)
                    fr.encoding = src.encoding
                    fr.rows_read, fr.rows_loaded = read, settled.loaded
                    fr.rows_merged, fr.rows_quarantined = settled.merged, settled.quarantined
                    if not fr.balanced:  # a bug, never bad input
                        raise RuntimeError(f"{fr.file}: row accounting does not add up: {fr}")
                    _log(wh, load_id, fr, self.loaded)
            finally:
                wh.backend.drop_names(con, prepared.read.temps)
        except FanxingError as exc:
            if src is not None and src.pending is None and not fr.sha256:
                fr.sha256 = src.sha256
            fr.status, fr.error, fr.error_code = "error", exc.message, exc.code
            fr.rows_read = fr.rows_loaded = fr.rows_merged = fr.rows_quarantined = 0
            self.report.errors.append(exc.message if fr.file in exc.message else f"{fr.file}: {exc.message}")
            _log(wh, load_id, fr)

    def run_parallel(self, items: list[tuple[int, str, Path, FileReport]]) -> None:
        """Load ``items`` (consecutive files that no other of them depends on) on two threads, each
        with its own connection (``backend.worker``): one file is read and checked while the one
        before it writes. Files write in file order (``_Turns``), so duplicates, quarantine and
        load_log come out exactly as loading them one at a time gives."""
        wh = self.wh
        _catalogue(wh, self.cache)  # read once, before the threads share the cache
        turns = _Turns(items[0][0])
        local = threading.local()
        opened: list = []
        lock = threading.Lock()

        def connection():
            w = getattr(local, "wh", None)
            if w is None:
                w = local.wh = type(wh)(wh.backend.worker(wh.con), wh.backend, wh.path, wh.engine)
                with lock:
                    opened.append(w)
            return w

        def load(item):
            try:
                self.one(connection(), *item, turns=turns)
            except _Stopped:
                raise
            except BaseException:
                turns.fail(item[0])  # the files after it stop at their turn
                raise

        try:
            for _ in ordered_map(load, items, 2, name="fanxing-ingest"):
                pass
        finally:
            for w in opened:
                with contextlib.suppress(Exception):
                    w.con.disconnect()


def ingest_season(season_dir: str | Path, warehouse, *, progress: Progress | None = None) -> IngestReport:
    """Load every file of a season into ``warehouse`` (a ``fanxing.warehouse.Warehouse``).

    Files already loaded with the same content (sha256) are skipped. Bad rows go to the
    ``quarantine`` table; every file gets a ``load_log`` row whose counts add up
    (read = loaded + merged + quarantined). A file that cannot be read is reported as a
    file-level error (``errors``, ``load_log.status = 'error'``) and the other files still load.
    """
    season = Path(season_dir)
    if not season.is_dir():
        raise SeasonError(f"{season}: no such season directory", details={"season": str(season)})
    mappings = load_mappings(season)
    given = _read_season_yaml(season)
    wh, con = warehouse, warehouse.con
    load_id = _next_load_id(con)
    report = IngestReport(season_dir=str(season), load_id=load_id)
    files = []
    for kind, path in season_files(season):
        rel = path.relative_to(season).as_posix()
        cut = prune(rel, start=given.get("start"), end=given.get("end"), platforms=given.get("platforms")) \
            if kind == "metrics" else None
        if cut is None:
            files.append((kind, path))
        else:
            report.pruned.append(cut.__dict__)
    cache: dict = {}  # catalogue and platform registry, read once they are loaded
    loaded = _loaded_contents(con)
    loaded_files = _loaded_files(con)
    report.files = [FileReport(file=path.relative_to(season).as_posix(), kind=kind, format=file_format(path) or "")
                    for kind, path in files]
    # one transaction per file; an engine that can checkpoint once for all of them does so
    bulk = getattr(wh.backend, "bulk_load", None)
    with tempfile.TemporaryDirectory(prefix="fanxing-ingest-") as tmp, \
            (bulk(con) if bulk else contextlib.nullcontext()):
        loader = _Loader(wh, Path(tmp), mappings, cache, load_id, loaded, loaded_files, report, progress,
                         len(files))
        i = 0
        while i < len(files):
            # a run of metrics files loads two at a time (see _Loader.run_parallel); the others,
            # which later files depend on (registry, catalogue), one after the other
            j = i
            while j < len(files) and files[j][0] == "metrics":
                j += 1
            if j - i >= 2 and _workers(wh) >= 2:
                loader.run_parallel([(k, *files[k], report.files[k]) for k in range(i, j)])
                i = j
                continue
            loader.one(wh, i, *files[i], report.files[i])
            i += 1
        qpath = season / "surveys" / "questions.yaml"
        if qpath.is_file():
            surveys = [Path(f.file).name.split(".")[0] for f in report.files if f.kind == "survey"]
            try:
                T.load_questions(wh, qpath, qpath.relative_to(season).as_posix(), surveys)
            except SeasonError as exc:
                report.errors.append(exc.message)
    report.season = _write_season(wh, season, given)
    if given.get("_unknown"):
        report.errors.append(f"season.yaml: unknown keys {', '.join(given['_unknown'])} "
                             "(known: name, start, end, platforms)")
    _summarise(con, report)
    return report


def _summarise(con, report: IngestReport) -> None:
    q = con.table("quarantine").filter(lambda t: t.load_id == report.load_id)
    by = q.group_by("reason").aggregate(n=q.count()).order_by("reason").execute()
    report.quarantine_by_reason = {r: int(n) for r, n in zip(by["reason"], by["n"], strict=True)}
    ex = q.order_by("file", "line").limit(20).execute()
    report.quarantine_examples = [
        {k: (None if v != v else v) if isinstance(v, float) else v for k, v in row.items()}
        for row in ex.to_dict("records")
    ]
    n_dramas = int(con.table("dramas").count().execute())
    metrics = [f for f in report.files if f.kind == "metrics"]
    if not any(f.kind == "dramas" for f in report.files) and not n_dramas:
        report.problems.append("no catalogue: dramas.csv is missing")
    elif not n_dramas:
        report.problems.append("no catalogue: dramas.csv has no usable row")
    if not metrics:
        report.problems.append("no metrics: the metrics/ folder is missing or empty")
    elif not any(f.status in ("loaded", "skipped") for f in metrics):
        report.problems.append("no readable metrics file")


def validate_season(season_dir: str | Path, *, progress: Progress | None = None) -> IngestReport:
    """Check a season as ``ingest_season`` would, in an in-memory warehouse; writes nothing."""
    from fanxing.warehouse import Warehouse

    with Warehouse.connect(None) as wh:
        return ingest_season(season_dir, wh, progress=progress)


__all__ = ["UnreadableFileError", "ingest_season", "validate_season"]
