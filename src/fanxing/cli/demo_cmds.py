"""CLI commands (placeholder module, filled by its owner)."""
