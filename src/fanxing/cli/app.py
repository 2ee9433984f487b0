"""The Typer application objects shared by every command module of the CLI."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

app = typer.Typer(
    name="fanxing",
    help="繁星指数 Fanxing: ingest micro-drama seasons, build the index, publish and serve it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
index_app = typer.Typer(help="The general composite-index engine, for any units × indicators table.",
                        no_args_is_help=True)
integrity_app = typer.Typer(help="Traffic integrity: fake-traffic detection and its evaluation.",
                            no_args_is_help=True)
app.add_typer(index_app, name="index")
app.add_typer(integrity_app, name="integrity")

# Piped output (CI logs, files) gets a width that fits the ranking tables instead of Rich's 80.
console = Console(width=None if sys.stdout.isatty() else 140)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 140)
