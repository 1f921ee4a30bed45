"""IDs and timestamps: random by default, derived from a seed and a counter in deterministic mode."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


class Clock:
    def __init__(self, deterministic: bool = False, seed: int = 0):
        self.deterministic = deterministic
        self.seed = seed
        self._counter = 0
        self._lock = threading.Lock()

    def _tick(self) -> int:
        with self._lock:
            self._counter += 1
            return self._counter

    def new_id(self) -> str:
        if not self.deterministic:
            return str(uuid.uuid4())
        return str(uuid.UUID(int=(self.seed << 64) | self._tick(), version=4))

    def now(self) -> str:
        if self.deterministic:
            moment = EPOCH + timedelta(milliseconds=self._tick())
        else:
            moment = datetime.now(UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
