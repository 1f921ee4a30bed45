"""Operation coverage against the specs: each request counted under the documented operation it was aimed at
(`GET /loyalty-tiers/v1/tiers/{tierId}`), whatever id or percent-encoded fuzz value its path carried."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache

from conformance.operations import operation_of, prefix
from conformance.paths import APIS, load_spec, spec_path

METHODS = ("get", "post", "put", "patch", "delete")
#: Documented on every operation for platform conditions a conformance run does not provoke on purpose;
#: "never seen" lists only the codes an operation's own behaviour produces.
PLATFORM_CODES = frozenset({401, 403, 428, 429, 500, 503})


@dataclass(frozen=True)
class Operation:
    api: str
    method: str
    template: str  # public path, with the spec's own parameter names
    documented: frozenset[int]

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"


@cache
def documented_operations() -> tuple[Operation, ...]:
    found = []
    for api in APIS:
        if not spec_path(api).is_file():
            continue
        for path, item in (load_spec(api).get("paths") or {}).items():
            for method in METHODS:
                if method in (item or {}):
                    codes = frozenset(int(c) for c in item[method].get("responses", {}) if str(c).isdigit())
                    found.append(Operation(api, method.upper(), prefix(api) + path, codes))
    return tuple(found)


@cache
def _by_key() -> dict[str, Operation]:
    return {op.key: op for op in documented_operations()}


def operation_for(method: str, path: str) -> Operation | None:
    """The documented operation a request was aimed at (the mapping lives in `conformance.operations`)."""
    return _by_key().get(operation_of(method, path))


@dataclass
class Coverage:
    seen: dict[str, Counter[int]]  # documented operation key -> status codes seen
    undocumented: dict[str, Counter[int]]  # requests to no documented operation: "METHOD /path/{id}" -> codes
    operations: tuple[Operation, ...]

    @property
    def exercised(self) -> list[Operation]:
        return [op for op in self.operations if op.key in self.seen]

    @property
    def never_exercised(self) -> list[Operation]:
        return [op for op in self.operations if op.key not in self.seen]

    def percent(self) -> float:
        return 100.0 * len(self.exercised) / len(self.operations) if self.operations else 0.0

    def never_seen(self, op: Operation) -> list[int]:
        """Documented codes of an exercised operation that no answer had (platform-wide codes left out)."""
        return sorted(op.documented - PLATFORM_CODES - set(self.seen.get(op.key, {})))


def coverage_of(traffic: list[list[object]]) -> Coverage:
    seen: dict[str, Counter[int]] = {}
    undocumented: dict[str, Counter[int]] = {}
    for method, path, status in traffic:
        op = operation_for(str(method), str(path))
        if op is None:
            key = operation_of(str(method), str(path))
            undocumented.setdefault(key, Counter())[int(str(status))] += 1
            continue
        seen.setdefault(op.key, Counter())[int(str(status))] += 1
    return Coverage(seen, undocumented, documented_operations())
