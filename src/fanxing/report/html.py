"""Rendering the report HTML (Jinja2; the CSS is inlined, charts are linked relatively: no network)."""

from __future__ import annotations

from importlib import resources

import jinja2


def render_html(context: dict) -> str:
    tpl_dir = resources.files("fanxing.report") / "templates"
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(tpl_dir)), autoescape=jinja2.select_autoescape(["j2", "html"]),
                             undefined=jinja2.ChainableUndefined, trim_blocks=True, lstrip_blocks=True)
    css = (tpl_dir / "report.css").read_text(encoding="utf-8")
    return env.get_template("report.html.j2").render(css=css, **context)
