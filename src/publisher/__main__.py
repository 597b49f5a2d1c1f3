"""`python -m publisher`: the same as the `publisher` command."""

from publisher.cli.main import main

main()
