"""SQLite document store: one JSON document per entity, revision checks done atomically.

All access goes through one connection guarded by a lock, and every read-check-write sequence a
handler needs (uniqueness, compare-and-swap on `revision`) runs inside `transaction()`, so concurrent
updates carrying the same revision cannot both succeed.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS entities (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE TABLE IF NOT EXISTS links (
    kind TEXT NOT NULL,
    left_id TEXT NOT NULL,
    right_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (kind, left_id, right_id)
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class Store:
    def __init__(self, path: str = ":memory:"):
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.executescript(SCHEMA)
        self._lock = threading.RLock()

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Serialise a read-check-write sequence; roll back if the handler raises."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _next_seq(self) -> int:
        row = self._conn.execute(
            "INSERT INTO counters(name, value) VALUES ('seq', 1) "
            "ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value"
        ).fetchone()
        return int(row[0])

    # entities -----------------------------------------------------------------------------------
    def get(self, kind: str, entity_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._conn.execute("SELECT body FROM entities WHERE kind=? AND id=?", (kind, entity_id)).fetchone()
        return json.loads(row[0]) if row else None

    def all(self, kind: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._conn.execute("SELECT body FROM entities WHERE kind=? ORDER BY seq", (kind,)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def insert(self, kind: str, entity: dict[str, Any]) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT INTO entities(kind, id, seq, body) VALUES (?, ?, ?, ?)",
                (kind, entity["id"], self._next_seq(), json.dumps(entity)),
            )

    def replace(self, kind: str, entity: dict[str, Any]) -> None:
        with self._lock:
            self._conn.execute(
                "UPDATE entities SET body=? WHERE kind=? AND id=?", (json.dumps(entity), kind, entity["id"])
            )

    def set_order(self, kind: str, ids: list[str]) -> None:
        """Give `ids` the lowest sequence numbers, in that order (badge display order)."""
        with self._lock:
            for position, entity_id in enumerate(ids):
                self._conn.execute(
                    "UPDATE entities SET seq=? WHERE kind=? AND id=?", (-len(ids) + position, kind, entity_id)
                )
            # Renumber so later inserts still go last.
            rows = self._conn.execute("SELECT id FROM entities WHERE kind=? ORDER BY seq", (kind,)).fetchall()
            for (entity_id,) in rows:
                self._conn.execute(
                    "UPDATE entities SET seq=? WHERE kind=? AND id=?", (self._next_seq(), kind, entity_id)
                )

    def after(self, kind: str, entity_id: str) -> str | None:
        """The id of the entity listed right after this one, if any."""
        ids = [entity["id"] for entity in self.all(kind)]
        position = ids.index(entity_id)
        return ids[position + 1] if position + 1 < len(ids) else None

    def remove(self, kind: str, entity_id: str) -> bool:
        with self._lock:
            cursor = self._conn.execute("DELETE FROM entities WHERE kind=? AND id=?", (kind, entity_id))
        return cursor.rowcount > 0

    # links (badge assignments) ------------------------------------------------------------------
    def link(self, kind: str, left_id: str, right_id: str) -> bool:
        with self._lock:
            cursor = self._conn.execute(
                "INSERT OR IGNORE INTO links(kind, left_id, right_id, seq) VALUES (?, ?, ?, ?)",
                (kind, left_id, right_id, self._next_seq()),
            )
        return cursor.rowcount > 0

    def unlink(self, kind: str, left_id: str, right_id: str | None = None) -> int:
        with self._lock:
            if right_id is None:
                cursor = self._conn.execute("DELETE FROM links WHERE kind=? AND left_id=?", (kind, left_id))
            else:
                cursor = self._conn.execute(
                    "DELETE FROM links WHERE kind=? AND left_id=? AND right_id=?", (kind, left_id, right_id)
                )
        return cursor.rowcount

    def rights(self, kind: str, left_id: str) -> list[str]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT right_id FROM links WHERE kind=? AND left_id=? ORDER BY seq", (kind, left_id)
            ).fetchall()
        return [r[0] for r in rows]

    def lefts(self, kind: str, right_id: str) -> list[str]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT left_id FROM links WHERE kind=? AND right_id=? ORDER BY seq", (kind, right_id)
            ).fetchall()
        return [r[0] for r in rows]

    def close(self) -> None:
        with self._lock:
            self._conn.close()
