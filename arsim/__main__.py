"""`python -m arsim` runs the command line."""

from arsim.console import main

main()
