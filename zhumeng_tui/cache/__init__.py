"""The local SQLite cache: the mirror of the server's records, the outbox,
the sync engine, and every SQL statement the client runs (see
``docs/client-core.md``). Never imports Textual; only the services
implementations use it."""
