"""Lawful enforcement: users and roles, the tamper-evident audit chain (执法全过程记录), evidence, 首违不罚 and
裁量基准 decision support, 法制审核, numbered 执法文书 and public disclosure.

Import the submodules directly (``commandcenter.enforcement.audit`` …): this package is imported by
``commandcenter.store.schema`` for its tables, so it stays free of heavy imports (fpdf2, argon2).
"""
