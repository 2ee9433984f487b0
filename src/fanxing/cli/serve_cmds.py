"""`fanxing serve BUILD_DIR`: the public API and dashboard over a published build (FastAPI + uvicorn)."""

from __future__ import annotations

from pathlib import Path

import typer

from fanxing.cli.app import app, err_console


@app.command()
def serve(
    build_dir: Path = typer.Argument(..., help="a published build directory (fanxing build … --out DIR)"),
    host: str = typer.Option("127.0.0.1", help="interface to listen on"),
    port: int = typer.Option(8000, min=1, max=65535, help="TCP port"),
    work_dir: Path | None = typer.Option(None, help="where admin uploads and build logs go "
                                         "(default: .<BUILD_DIR>.admin beside the build)"),
    log_level: str = typer.Option("info", help="uvicorn log level"),
) -> None:
    """Serve the dashboard and API read-only; the admin API is on when FANXING_ADMIN_TOKEN is set."""
    import os

    import uvicorn

    from fanxing.service import create_app

    application = create_app(build_dir, work_dir=work_dir)
    admin = "on" if os.environ.get("FANXING_ADMIN_TOKEN") else "off (set FANXING_ADMIN_TOKEN)"
    err_console.print(f"serving build [bold]{application.state.fx.build.build_id}[/] from {build_dir} "
                      f"at http://{host}:{port}/ — admin API {admin}", highlight=False)
    uvicorn.run(application, host=host, port=port, log_level=log_level, access_log=False)
