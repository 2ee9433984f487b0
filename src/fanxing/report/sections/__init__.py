"""The seven sections of the report. Each ``build_*`` returns a section dict
{"id", "title", "lead", "blocks"}; blocks are plain dicts the template renders by ``kind``:
h3, p, ul, note, figure, table, facts. Every figure's data is written to report/data/."""

from __future__ import annotations


def h3(text: str) -> dict:
    return {"kind": "h3", "text": text}


def p(text: str) -> dict:
    return {"kind": "p", "text": text}


def ul(items: list[str]) -> dict:
    return {"kind": "ul", "items": [i for i in items if i]}


def note(text: str) -> dict:
    return {"kind": "note", "text": text}


def figure(fig: dict) -> dict:
    return {"kind": "figure", **fig}


def tbl(caption: str, table: dict, *, data: str | None = None, note: str = "", small: bool = False) -> dict:
    return {"kind": "table", "caption": caption, "data": data, "note": note, "small": small, **table}


def section(sid: str, title: str, lead: str, blocks: list[dict]) -> dict:
    return {"id": sid, "title": title, "lead": lead, "blocks": [b for b in blocks if b]}
