"""Thin Typer front: parses arguments, calls the library, prints with Rich.

Each command module registers its commands on the shared app when imported; heavy libraries are
imported inside the commands so that ``fanxing --help`` stays fast.
"""

from __future__ import annotations

import sys

from fanxing.cli.app import app, err_console
from fanxing.errors import FanxingError

# Command modules: importing them registers their commands.
from fanxing.cli import season_cmds  # noqa: E402,F401
from fanxing.cli import demo_cmds  # noqa: E402,F401
from fanxing.cli import index_cmds  # noqa: E402,F401
from fanxing.cli import integrity_cmds  # noqa: E402,F401
from fanxing.cli import build_cmds  # noqa: E402,F401
from fanxing.cli import awards_cmds  # noqa: E402,F401


def main() -> None:
    """Entry point: runs the app and turns a FanxingError into a clear message and exit code 2."""
    try:
        app(standalone_mode=False)
    except FanxingError as exc:
        err_console.print(f"[bold red]error[/] ({exc.code}): {exc.message}", highlight=False)
        sys.exit(2)
    except SystemExit:
        raise
    except Exception as exc:  # click's usage errors arrive here in non-standalone mode
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Abort):
            err_console.print("aborted")
            sys.exit(1)
        raise


if __name__ == "__main__":
    main()
