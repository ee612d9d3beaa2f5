"""Spreadsheet and document files: reading ``.xlsx``/``.csv`` (imports),
writing ``.xlsx``/``.csv`` (exports) and ``.docx`` (printable documents).

This is file I/O, below the services: the services implementation
(``services/exports.py``, ``services/imports.py``) uses it, the UI never does
(it asks the services). What a cell *means* (a date, yes/no, a 学号) is a
domain rule (``zhumeng_tui.domain.cells``); this package only moves values in
and out of files.
"""
