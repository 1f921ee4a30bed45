"""Recording and replay of exchanges as vcrpy cassettes (one per test)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conformance.plugin import RunSettings


def cassette_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.\-\[\]]+", "_", nodeid.split("::", 1)[-1]).strip("_")[:180] + ".yaml"


@contextlib.contextmanager
def cassette_for(nodeid: str, settings: RunSettings) -> Iterator[None]:
    folder = settings.record_dir or settings.replay_dir
    if not folder:
        yield
        return
    import vcr

    module = nodeid.split("::", 1)[0].rsplit("/", 1)[-1].removesuffix(".py")
    path = Path(folder) / module / cassette_name(nodeid)
    recorder = vcr.VCR(
        record_mode="none" if settings.replay_dir else "all",
        match_on=["method", "scheme", "host", "port", "path", "query", "body"],
        filter_headers=[(name, "[REDACTED]") for name in ("authorization", *map(str.lower, settings.headers))],
        decode_compressed_response=True,
    )
    with recorder.use_cassette(str(path)):
        yield
