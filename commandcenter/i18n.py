"""Language selection through Qt's translation system (QtCore only, so it lives in the core).

Source strings in the code are English; Simplified Chinese is the default language and comes from the
``resources/translations/*_zh_CN.qm`` files that setup compiles from the committed ``.ts`` sources (one per
area: main, wall, map, dispatch, drones, enforcement). Qt's own dialogs are translated from PySide6's bundled
``qtbase_zh_CN.qm``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from commandcenter.paths import RESOURCES

log = logging.getLogger(__name__)
LANGUAGES = {"zh": "zh_CN", "en": "en"}
TRANSLATIONS = RESOURCES / "translations"
_installed: list[QTranslator] = []
_language = "en"  # what QCoreApplication.translate yields while no catalogue is installed: the English sources


def current_language() -> str:
    """The language last installed ("zh" or "en"); "en" before any, because untranslated sources are English.

    For words that are data rather than catalogue entries (category names from the bureau's CSV), which must
    follow the same choice as the translated ones.
    """
    return _language


def install_language(app: QCoreApplication, language: str) -> list[str]:
    """Install translators for ``language`` ("zh" or "en"); returns the catalogue files loaded."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; expected one of {sorted(LANGUAGES)}")
    global _language
    for tr in _installed:
        app.removeTranslator(tr)
    _installed.clear()
    _language = language
    locale = LANGUAGES[language]
    QLocale.setDefault(QLocale(QLocale.Language.Chinese if language == "zh" else QLocale.Language.English,
                               QLocale.Country.China if language == "zh" else QLocale.Country.UnitedStates))
    if language == "en":
        return []
    loaded: list[str] = []
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    candidates = [Path(qt_dir) / f"qtbase_{locale}.qm", *sorted(TRANSLATIONS.glob(f"*_{locale}.qm"))]
    for path in candidates:
        if not path.exists():
            continue
        tr = QTranslator(app)
        if tr.load(str(path)):
            app.installTranslator(tr)
            _installed.append(tr)
            loaded.append(path.name)
        else:
            log.warning("translation file %s could not be loaded", path)
    if not any(name.startswith("main_") for name in loaded):
        log.warning("no compiled main translation in %s; run `make setup` to build .qm files", TRANSLATIONS)
    return loaded
