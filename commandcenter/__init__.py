"""智慧城管指挥中心 — the Qt-free core: domain, store, workflow, dispatch, geo, analytics, runtime, CLI; the demo's wing in demo/.

This package may use PySide6.QtCore (signals, timers, threads) but never QtWidgets or QtGui: views live in
``widgets``; protocol adapters live in ``devices``.
"""

__version__ = "0.1.0"
