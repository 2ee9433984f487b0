"""Thin Typer front: parses arguments, calls the library, prints with Rich.

Each command module registers its commands on the shared app when imported; heavy libraries are
imported inside the commands so that ``fanxing --help`` stays fast.
"""

from __future__ import annotations

import sys

# Command modules: importing them registers their commands.
from fanxing.cli import (
    awards_cmds,  # noqa: E402,F401
    build_cmds,  # noqa: E402,F401
    demo_cmds,  # noqa: E402,F401
    index_cmds,  # noqa: E402,F401
    integrity_cmds,  # noqa: E402,F401
    report_cmds,  # noqa: E402,F401
    season_cmds,  # noqa: E402,F401
    serve_cmds,  # noqa: E402,F401
    uncertainty_cmds,  # noqa: E402,F401
)
from fanxing.cli.app import app, err_console
from fanxing.errors import FanxingError


def main() -> None:
    """Entry point: runs the app; a FanxingError becomes a clear one-paragraph message and exit code 2."""
    try:
        app()
    except FanxingError as exc:
        from rich.markup import escape

        err_console.print(f"[bold red]error[/] ({exc.code}): {escape(exc.message)}", highlight=False)
        sys.exit(2)


if __name__ == "__main__":
    main()
