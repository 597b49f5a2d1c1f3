"""`python -m publisher.daemon`: the same entry `publisher run` shares."""

from publisher.daemon.entry import main

raise SystemExit(main())
