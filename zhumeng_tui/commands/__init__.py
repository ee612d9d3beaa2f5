"""The headless subcommands (``zhumeng-tui sync``, ``export``, ``import``, ...):
each a function over the services contract that prints its result and returns
the exit status. The composition root (``zhumeng_tui.cli``) signs in, builds the
services and calls them. A failure ends with one line saying why and a
non-zero exit status (:data:`EXIT`)."""

#: Exit statuses of the headless commands (2 is argparse's: a bad command line).
EXIT = {
    "ok": 0,
    "failed": 1,
    "unreachable": 3,
    "sign_in": 4,
    "disk_full": 5,
}
