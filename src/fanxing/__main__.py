"""`python -m fanxing` runs the CLI."""

from fanxing.cli import main

main()
