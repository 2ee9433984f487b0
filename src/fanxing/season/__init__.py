"""The season input contract: read, decode, parse, resolve titles, quarantine bad rows, account for all."""

from fanxing.season.ingest import ingest_season, season_files, validate_season
from fanxing.season.reasons import REASONS
from fanxing.season.report import FileReport, IngestReport

__all__ = ["REASONS", "FileReport", "IngestReport", "ingest_season", "season_files", "validate_season"]
