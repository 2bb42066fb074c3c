"""Where things live: the user's data/config/cache dirs (XDG) and the repository's resources.

``CC_DATA_DIR`` overrides the data dir (tests and the headless demo use it so they never touch a user's real
database); ``CC_CONFIG_DIR`` and ``CC_CACHE_DIR`` likewise.

The demo keeps everything it writes (database, evidence, documents, wall layouts, window arrangement) in a
folder of its own, ``<data dir>/demo`` and ``<config dir>/demo``: the CLI's demo entry selects the ``demo``
profile with :func:`use_profile` before anything is built, so real data is never touched by the demo.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "commandcenter"
ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "resources"
LAYOUTS = ROOT / "layouts"
DEMO = "demo"

_profile = ""  # "" = the deployment's own folders; "demo" = the demo's folder inside them


def use_profile(name: str) -> str:
    """Put data and config in the sub-folder ``name`` ("" = the base folders); returns the previous profile."""
    global _profile
    previous, _profile = _profile, name
    return previous


def profile() -> str:
    return _profile


def _dir(env: str, default: str, sub: str = "") -> Path:
    path = Path(os.environ.get(env) or default)
    if sub:
        path = path / sub
    path.mkdir(parents=True, exist_ok=True)
    return path


def base_data_dir() -> Path:
    """The data dir of the deployment itself, whatever the profile (the imported basemap lives here)."""
    return _dir("CC_DATA_DIR", platformdirs.user_data_dir(APP))


def demo_data_dir() -> Path:
    """The demo's own data folder: its database, evidence and documents."""
    return _dir("CC_DATA_DIR", platformdirs.user_data_dir(APP), DEMO)


def data_dir() -> Path:
    return _dir("CC_DATA_DIR", platformdirs.user_data_dir(APP), _profile)


def config_dir() -> Path:
    return _dir("CC_CONFIG_DIR", platformdirs.user_config_dir(APP), _profile)


def cache_dir() -> Path:
    return _dir("CC_CACHE_DIR", platformdirs.user_cache_dir(APP))


def evidence_dir() -> Path:
    """``CC_EVIDENCE_DIR`` (a deployment's evidence share) or the data dir's; the demo always uses its own."""
    if _profile:
        return _dir("CC_DATA_DIR", platformdirs.user_data_dir(APP), f"{_profile}/evidence")
    return _dir("CC_EVIDENCE_DIR", str(data_dir() / "evidence"))
