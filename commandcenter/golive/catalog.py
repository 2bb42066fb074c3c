"""The category table the application works with: the bundled one, overridden by the bureau's rows in the
database (``data import categories``), so an upgrade of the program never undoes a bureau's time limits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter.cases.categories import Category, CategoryTable, load_categories
from commandcenter.config import BureauConfig
from commandcenter.golive.tables import CategoryRow
from commandcenter.store import Store

__all__ = ["bureau_categories", "bureau_report"]


def bureau_categories(store: Store, bundled: CategoryTable | None = None) -> CategoryTable:
    """The bundled table with every ``case_categories`` row replacing or adding the 小类 of its 编码."""
    base = bundled if bundled is not None else load_categories()
    if "case_categories" not in store.table_names():
        return base

    def read(session: Session) -> list[Category]:
        return [Category(code=r.code, kind=r.kind, major=r.major, name=r.name, urgency=r.urgency,
                         register_hours=r.register_hours, dispatch_hours=r.dispatch_hours,
                         handle_hours=r.handle_hours, verify_hours=r.verify_hours, close_condition=r.close_condition,
                         skills=tuple(r.skills or ()), team=r.team, auto_dispatch=r.auto_dispatch, name_en=r.name_en,
                         natural_hours=r.natural_hours)
                for r in session.scalars(select(CategoryRow).order_by(CategoryRow.code))]

    own = store.read(read)
    if not own:
        return base
    codes = {c.code for c in own}
    return CategoryTable([*own, *(c for c in base if c.code not in codes)])


def bureau_report(bureau: BureauConfig) -> dict[str, str]:
    """The health report's ``bureau`` section: who issues the 文书, and a warning while that is the sample."""
    missing = [key for key, value in (("name", bureau.name), ("doc_prefix", bureau.doc_prefix),
                                      ("review_authority", bureau.review_authority), ("court", bureau.court))
               if not value]
    warning = (f"[bureau] {', '.join(missing)} not set: 执法文书 carry the sample bureau's values "
               "(resources/enforcement/templates/_bureau.toml)") if missing else ""
    return {"name": bureau.name, "doc_prefix": bureau.doc_prefix, "warning": warning}
