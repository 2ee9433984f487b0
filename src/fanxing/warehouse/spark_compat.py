"""Where Ibis 12's Spark SQL means something else than its DuckDB SQL, make it mean the same.

Found by running the same ingest on both engines (tests/warehouse/test_engines.py):

- ``strip()`` compiles to ``TRIM(' \\t\\n\\r\\v\\f' FROM x)``; Spark's parser reads the unknown
  escapes ``\\v`` and ``\\f`` as the letters ``v`` and ``f``, so ``'film_tv'`` became ``'ilm_t'``.
  Here: a regular expression on Java's ``\\s`` (the same six characters as Python's whitespace).
- ``re_replace`` passes ``\\1`` back-references through; Java writes them ``$1`` (and reads a
  literal ``$`` as a group reference).
- ``split(delimiter)`` compiles to Spark's ``split``, whose delimiter is a regular expression
  (``'|'`` splits between every character); the delimiter is quoted.

Importing this module patches Ibis's PySpark compiler once; the DuckDB compiler is untouched.
"""

from __future__ import annotations

import re

import ibis.expr.operations as ops
import sqlglot.expressions as sge
from ibis.backends.sql.compilers.pyspark import PySparkCompiler

_PATCHED = "_fanxing_patched"


def _visit_strip(self, op, *, arg):
    return self.f.regexp_replace(arg, sge.convert(r"^\s+|\s+$"), sge.convert(""))


def _visit_lstrip(self, op, *, arg):
    return self.f.regexp_replace(arg, sge.convert(r"^\s+"), sge.convert(""))


def _visit_rstrip(self, op, *, arg):
    return self.f.regexp_replace(arg, sge.convert(r"\s+$"), sge.convert(""))


def java_replacement(text: str) -> str:
    """A Python/RE2 replacement string (``\\1``) as Java's (``$1``), literal ``$`` escaped."""
    return re.sub(r"\\(\d)", r"$\1", text.replace("$", r"\$"))


def _visit_regex_replace(self, op, *, arg, pattern, replacement):
    if isinstance(op.replacement, ops.Literal) and isinstance(op.replacement.value, str):
        replacement = sge.convert(java_replacement(op.replacement.value))
    return self.f.regexp_replace(arg, pattern, replacement)


def _visit_string_split(self, op, *, arg, delimiter):
    if isinstance(op.delimiter, ops.Literal) and isinstance(op.delimiter.value, str) \
            and r"\E" not in op.delimiter.value:
        delimiter = sge.convert(r"\Q" + op.delimiter.value + r"\E")
    else:
        delimiter = self.f.concat(sge.convert(r"\Q"), delimiter, sge.convert(r"\E"))
    return self.f.split(arg, delimiter, sge.convert(-1))


def patch() -> None:
    if getattr(PySparkCompiler, _PATCHED, False):
        return
    PySparkCompiler.visit_Strip = _visit_strip
    PySparkCompiler.visit_LStrip = _visit_lstrip
    PySparkCompiler.visit_RStrip = _visit_rstrip
    PySparkCompiler.visit_RegexReplace = _visit_regex_replace
    PySparkCompiler.visit_StringSplit = _visit_string_split
    setattr(PySparkCompiler, _PATCHED, True)


patch()
