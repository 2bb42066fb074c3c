"""Entry points of ``commandcenter audit …`` and ``commandcenter user …`` (delegated by commandcenter.cli).

Both take the arguments after the subcommand name and return the exit code; the parsing lives with the code
it drives (``audit.audit_main``, ``auth.user_main``).
"""

from __future__ import annotations

from commandcenter.enforcement.audit import audit_main
from commandcenter.enforcement.auth import user_main

__all__ = ["audit_main", "user_main"]
