"""``python -m commandcenter`` is the ``commandcenter`` command."""

from commandcenter.cli import main

raise SystemExit(main())
