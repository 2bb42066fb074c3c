"""``commandcenter cases …``: the delegated subcommand (parsing and work live in :mod:`commandcenter.cases.intake`)."""

from __future__ import annotations

import sys

from commandcenter.cases.intake import cases_main

__all__ = ["cases_main"]

if __name__ == "__main__":
    sys.exit(cases_main(sys.argv[1:]))
