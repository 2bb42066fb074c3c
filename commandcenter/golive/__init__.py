"""Go-live data: a bureau's own grid, roster, devices, categories, calendar and no-fly zones, imported with
``commandcenter data import KIND FILE [--dry-run]`` — all rows or none, errors by row and field.

``framework`` holds the contract, ``sheets`` reads Excel/CSV, ``kinds/`` one module per kind, ``registry`` the
list of kinds, ``cli`` the command.
"""
