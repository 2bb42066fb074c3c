"""All tables of the application on one MetaData: importing this module registers every package's tables.

Each core package that owns tables defines them on ``commandcenter.store.models.Base`` in its own module and
is imported here, so Alembic autogenerate and ``metadata.create_all`` (used only by throwaway test databases)
see the whole schema.
"""

from __future__ import annotations

import importlib

from commandcenter.store import models

# Packages that add tables of their own. Missing ones are skipped so the core works while they are built.
_TABLE_MODULES = (
    "commandcenter.cases.tables",
    "commandcenter.enforcement.tables",
    "commandcenter.field.tables",
    "commandcenter.field.department_tables",
    "commandcenter.kpi.tables",
    "commandcenter.recording.tables",
    "commandcenter.sensors.tables",
    "commandcenter.golive.tables",
)
for _name in _TABLE_MODULES:
    try:
        importlib.import_module(_name)
    except ModuleNotFoundError as exc:
        if exc.name is None or not _name.startswith(exc.name):
            raise

metadata = models.Base.metadata
