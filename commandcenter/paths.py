"""Where things live: the user's data/config/cache dirs (XDG) and the repository's resources.

``CC_DATA_DIR`` overrides the data dir (tests and the headless demo use it so they never touch a user's real
database); ``CC_CONFIG_DIR`` and ``CC_CACHE_DIR`` likewise.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "commandcenter"
ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "resources"
LAYOUTS = ROOT / "layouts"


def _dir(env: str, default: str) -> Path:
    path = Path(os.environ.get(env) or default)
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    return _dir("CC_DATA_DIR", platformdirs.user_data_dir(APP))


def config_dir() -> Path:
    return _dir("CC_CONFIG_DIR", platformdirs.user_config_dir(APP))


def cache_dir() -> Path:
    return _dir("CC_CACHE_DIR", platformdirs.user_cache_dir(APP))


def evidence_dir() -> Path:
    return _dir("CC_EVIDENCE_DIR", str(data_dir() / "evidence"))
