"""The category table the application works with: the bundled one, overridden by the bureau's rows in the
database (``data import categories``), so an upgrade of the program never undoes a bureau's time limits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter.cases.categories import Category, CategoryTable, load_categories
from commandcenter.golive.tables import CategoryRow
from commandcenter.store import Store

__all__ = ["bureau_categories"]


def bureau_categories(store: Store, bundled: CategoryTable | None = None) -> CategoryTable:
    """The bundled table with every ``case_categories`` row replacing or adding the 小类 of its 编码."""
    base = bundled if bundled is not None else load_categories()
    if "case_categories" not in store.table_names():
        return base

    def read(session: Session) -> list[Category]:
        return [Category(code=r.code, kind=r.kind, major=r.major, name=r.name, urgency=r.urgency,
                         register_hours=r.register_hours, dispatch_hours=r.dispatch_hours,
                         handle_hours=r.handle_hours, verify_hours=r.verify_hours, close_condition=r.close_condition,
                         skills=tuple(r.skills or ()), team=r.team, auto_dispatch=r.auto_dispatch, name_en=r.name_en)
                for r in session.scalars(select(CategoryRow).order_by(CategoryRow.code))]

    own = store.read(read)
    if not own:
        return base
    codes = {c.code for c in own}
    return CategoryTable([*own, *(c for c in base if c.code not in codes)])
