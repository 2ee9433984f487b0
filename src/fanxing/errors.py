"""The one error hierarchy of Fanxing: every error a person may see derives from FanxingError."""

from __future__ import annotations


class FanxingError(Exception):
    """Root of every Fanxing error. ``code`` is a stable machine-readable reason."""

    code = "fanxing_error"

    def __init__(self, message: str, *, code: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or {}

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self.message

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "details": self.details}


class SeasonError(FanxingError, ValueError):
    """A season directory or one of its files cannot be used (names the file)."""

    code = "season_error"


class UnreadableFileError(SeasonError):
    """A file that cannot be read as a table at all (not a table, unknown encoding)."""

    code = "unreadable_file"


class MethodologyError(FanxingError, ValueError):
    """A methodology file or model is invalid (names the key, suggests the closest valid one)."""

    code = "methodology_error"


class IndexComputationError(FanxingError, ValueError):
    """The index engine cannot compute with the given data and methodology."""

    code = "index_error"


class NotFoundError(FanxingError, KeyError):
    """A drama, platform, build or other named thing does not exist."""

    code = "not_found"


class BuildError(FanxingError, RuntimeError):
    """A build failed; the previous publish is untouched."""

    code = "build_error"


class WarehouseError(FanxingError, RuntimeError):
    """The warehouse cannot be opened or queried."""

    code = "warehouse_error"
