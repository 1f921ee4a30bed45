"""Which documented operation a request was aimed at: one home for the GUID pattern, the APIs' public prefixes
(read from the specs' `servers`) and the URL -> `METHOD /template` mapping that the plugin, fuzzing, reports and
diffs share, so one endpoint is one row everywhere whatever id (valid, unknown, malformed) a request carried."""

from __future__ import annotations

import functools
import re
from urllib.parse import unquote, urlsplit

from conformance.paths import APIS, load_spec, spec_path

GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_GUID_SEGMENT = re.compile(rf"/{GUID.pattern}(?=/|$)")


def is_guid(value: object) -> bool:
    return isinstance(value, str) and GUID.fullmatch(value) is not None


@functools.cache
def prefix(api: str) -> str:
    """The documented public prefix of an API (`/loyalty-tiers/v1`), from its spec's `servers`."""
    return urlsplit(load_spec(api)["servers"][0]["url"]).path.rstrip("/")


@functools.cache
def prefixes() -> tuple[str, ...]:
    return tuple(prefix(api) for api in APIS if spec_path(api).is_file())


@functools.cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    """Public path templates of the specs, literal ones first (`/tiers/program` before `/tiers/{tierId}`)."""
    templates = [prefix(api) + path for api in APIS if spec_path(api).is_file()
                 for path in load_spec(api).get("paths", {})]
    templates.sort(key=lambda t: (t.count("{"), -len(t)))
    return [(re.compile(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(t))), t) for t in templates]


def template_of(path_or_url: str) -> str:
    """The documented template a path (or URL) matches; an undocumented path keeps its GUIDs as `{id}`."""
    path = unquote(urlsplit(path_or_url).path) if "://" in path_or_url else path_or_url.split("?", 1)[0]
    for pattern, template in _templates():
        if pattern.fullmatch(path):
            return template
    return _GUID_SEGMENT.sub("/{id}", path)


def operation_of(method: str, path_or_url: str) -> str:
    """`POST /loyalty-tiers/v1/tiers/{tierId}`."""
    return f"{method.upper()} {template_of(path_or_url)}"
