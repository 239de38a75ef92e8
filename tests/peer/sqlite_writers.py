"""Let the local Glance's SQLite writers wait for each other instead of failing.

Glance (through oslo.db) opens every SQLite transaction with a plain ``BEGIN``.
Such a transaction reads first and asks for the write lock only when it
writes; when another transaction holds that lock, SQLite does not wait but
fails at once with "database is locked", and Glance answers HTTP 500. Parallel
member deletes meet it often. Glance on a server database does not fail so,
and TOAST's service runs on one: the peer opens every transaction with
``BEGIN IMMEDIATE`` instead, which takes the write lock up front and waits
(SQLite's busy timeout) for a transaction that holds it.

``install()`` runs inside the Glance process (the token map filter calls it).
"""

import sqlite3

INSTALLED = []


def install():
    if INSTALLED:
        return
    # Imported here: only the Glance process has SQLAlchemy.
    from sqlalchemy import event  # pylint: disable=import-outside-toplevel
    from sqlalchemy.engine import Engine  # pylint: disable=import-outside-toplevel

    def begin_immediate(conn):
        # Listeners on the Engine class run before oslo.db's own, which then
        # sees the transaction open and sends no BEGIN of its own.
        if conn.dialect.name != "sqlite" or "in_transaction" in conn.info:
            return
        raw = conn.connection.dbapi_connection
        if isinstance(raw, sqlite3.Connection) and raw.isolation_level is None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            conn.info["in_transaction"] = True

    event.listen(Engine, "begin", begin_immediate)
    INSTALLED.append(True)
