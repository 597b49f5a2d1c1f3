"""`python -m publisher`: the same as the `publisher` command."""

from publisher.cli import main

main()
