"""`python -m arsim` runs the command line."""

from arsim.cli import main

main()
