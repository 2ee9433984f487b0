"""What an ingest or a validation returns: per-file accounting, quarantine summary, errors."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class FileReport:
    """One file of the season: its accounting (read = loaded + merged + quarantined)."""

    file: str
    kind: str
    format: str = ""
    encoding: str = ""
    sha256: str = ""
    rows_read: int = 0
    rows_loaded: int = 0
    rows_merged: int = 0
    rows_quarantined: int = 0
    status: str = "loaded"  # loaded | skipped (same content already loaded) | error
    error: str | None = None
    error_code: str | None = None

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_merged + self.rows_quarantined


@dataclass
class IngestReport:
    season_dir: str
    load_id: int
    files: list[FileReport] = field(default_factory=list)
    quarantine_by_reason: dict[str, int] = field(default_factory=dict)
    quarantine_examples: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # file-level errors, each naming its file
    problems: list[str] = field(default_factory=list)  # why the season is unusable, if it is
    season: dict = field(default_factory=dict)  # name, start, end
    # partitioned metrics files not read: outside the season's dates or platforms (file, reason)
    pruned: list[dict] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        """A catalogue and at least one readable metrics file (now or in an earlier load)."""
        return not self.problems

    @property
    def skipped(self) -> list[FileReport]:
        return [f for f in self.files if f.status == "skipped"]

    @property
    def failed(self) -> list[FileReport]:
        return [f for f in self.files if f.status == "error"]

    def totals(self) -> dict[str, int]:
        keys = ("rows_read", "rows_loaded", "rows_merged", "rows_quarantined")
        return {k: sum(getattr(f, k) for f in self.files) for k in keys}

    def to_dict(self) -> dict:
        d = asdict(self)
        d.update(usable=self.usable, totals=self.totals())
        return d
