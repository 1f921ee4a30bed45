"""`--header 'Name: value'` parsing. A value written `env:VARIABLE` is read from the environment,
so keys never have to appear on a command line or in a file."""

from __future__ import annotations

import os

from conformance.errors import UsageError


class HeaderError(UsageError, ValueError):
    pass


def parse_headers(values: list[str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for raw in values:
        name, sep, value = raw.partition(":")
        name, value = name.strip(), value.strip()
        if not sep or not name:
            raise HeaderError(f"bad header {raw.split(':')[0]!r}: write it as 'Name: value'")
        if value.startswith("env:"):
            variable = value[4:]
            if variable not in os.environ:
                raise HeaderError(f"header {name} refers to {variable}, which is not set")
            value = os.environ[variable]
        headers[name] = value
    return headers
