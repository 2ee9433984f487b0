"""Printing the report HTML to an A4 PDF with headless Chromium through Playwright (offline)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")

FOOTER = ('<div style="width:100%;font-size:7pt;color:#8a94a3;padding:0 14mm;display:flex;'
          'justify-content:space-between;font-family:\'Noto Sans CJK SC\',sans-serif;">'
          '<span>{title}</span><span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>')


class PdfUnavailable(RuntimeError):
    """The PDF could not be printed (no Chromium, no Playwright, or the print failed)."""


def find_chromium() -> str | None:
    """The Chromium to print with: $FANXING_CHROMIUM when set (authoritative, even if missing), else the
    usual system paths."""
    env = os.environ.get("FANXING_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    for c in CANDIDATES:
        if Path(c).exists():
            return c
    return shutil.which("chromium") or shutil.which("chromium-browser")


def html_to_pdf(html_path: Path, pdf_path: Path, *, title: str = "", timeout_ms: int = 120_000) -> Path:
    """Print ``html_path`` (its relative chart links resolved from disk) to ``pdf_path``.

    Playwright's sync API refuses to run where an asyncio loop is running (inside a web server's
    request, a notebook, some test runners), so the printing always runs in a worker thread of its
    own, which has no loop.
    """
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fanxing-pdf") as pool:
        return pool.submit(_print_pdf, html_path, pdf_path, title, timeout_ms).result()


def _print_pdf(html_path: Path, pdf_path: Path, title: str, timeout_ms: int) -> Path:
    exe = find_chromium()
    if exe is None:
        raise PdfUnavailable("Chromium not found (looked for /usr/bin/chromium; set FANXING_CHROMIUM): "
                             "the HTML report was written, the PDF was not")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise PdfUnavailable("the playwright package is not installed (pip install 'fanxing[report]')") from exc
    tmp = pdf_path.with_suffix(".pdf.part")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS, headless=True)
            try:
                page = browser.new_page()
                # block anything that is not a local file: the report must not need the network
                page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
                           else route.abort())
                page.goto(html_path.resolve().as_uri(), wait_until="load", timeout=timeout_ms)
                page.emulate_media(media="print")
                page.pdf(path=str(tmp), format="A4", print_background=True, prefer_css_page_size=True,
                         display_header_footer=True, header_template="<span></span>",
                         footer_template=FOOTER.format(title=title),
                         margin={"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"})
            finally:
                browser.close()
    except PdfUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001 - reported, never fatal for the build
        tmp.unlink(missing_ok=True)
        raise PdfUnavailable(f"printing the PDF with {exe} failed: {type(exc).__name__}: {exc}") from exc
    tmp.replace(pdf_path)
    return pdf_path
