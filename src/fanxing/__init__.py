"""Fanxing (繁星指数): evaluation platform for China's micro short dramas."""

__version__ = "0.1.0"
