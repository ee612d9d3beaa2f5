"""The headless subcommands (``zhumeng-tui export``, ``import``, ...): each a
function over the services contract that prints its result and returns the
exit status. The composition root (``zhumeng_tui.cli``) signs in, builds the
services and calls them."""
