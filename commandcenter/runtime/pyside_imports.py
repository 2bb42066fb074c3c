"""PySide6's look at every imported module, made cheap.

Why: once ``PySide6.QtCore`` is imported, PySide6 asks after every later import whether the new module's source
mentions "PySide6" (for its opt-in ``from __feature__ import snake_case``, which this application never uses).
It asks through ``inspect.getsource``, which reads and splits the whole file into lines: about 0.1 s for the
~850 modules the command center imports before the map's first paint, a twentieth of the start-up.

:func:`install` answers the same question by reading the file's bytes and searching them, about a quarter of the
cost. The answer is the same for every module with a source file (``tests/test_runtime.py`` compares the two on
every loaded module). When a PySide6 release no longer has the hook, nothing is changed.
"""

from __future__ import annotations

import sys
from types import ModuleType

_FEATURE_MODULE = "shibokensupport.feature"
_HOOK = "_mod_uses_pyside"


def mentions_pyside(module: ModuleType) -> bool:
    """Whether the module's source file contains "PySide6" (False for a module without a ``.py`` file)."""
    path = getattr(module, "__file__", None)
    if not isinstance(path, str) or not path.endswith(".py"):
        return False
    try:
        with open(path, "rb") as source:
            return b"PySide6" in source.read()
    except OSError:
        return False


def install() -> bool:
    """Put :func:`mentions_pyside` in place of PySide6's check; True when it was there to replace."""
    import PySide6.QtCore  # noqa: F401  (loads the feature module this replaces a function of)

    feature = sys.modules.get(_FEATURE_MODULE)
    if feature is None or not callable(getattr(feature, _HOOK, None)):
        return False
    setattr(feature, _HOOK, mentions_pyside)
    return True
