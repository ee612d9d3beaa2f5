"""Pure domain rules shared by the client and the reference server.

No I/O, no Textual, no HTTP (enforced by the import-linter contract).
"""
