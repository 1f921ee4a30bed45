"""Reading a spec: the YAML file, the files its `$ref`s name (one JSON Schema registry), its operations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlparse

import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conformance.lint.report import Unreadable

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def load(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise Unreadable("no such file")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise Unreadable(f"not valid YAML: {' '.join(str(exc).split())}") from None
    if not isinstance(document, dict):
        raise Unreadable("not a YAML mapping")
    return document


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(method, route, path item, operation) for every operation under `paths`."""
    for route, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            if isinstance(item.get(method), dict):
                yield method, route, item, item[method]


def webhook_operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(method, webhook name, operation) for every operation under `webhooks`."""
    for name, item in (document.get("webhooks") or {}).items():
        for method in HTTP_METHODS:
            if isinstance(item, dict) and isinstance(item.get(method), dict):
                yield method, name, item[method]


class Documents:
    """The spec and the files it references, as one JSON Schema registry keyed by file URI."""

    def __init__(self, path: Path):
        self.root = path.resolve().as_uri()
        self.contents: dict[str, Any] = {}

    def get(self, uri: str) -> Any:
        if uri not in self.contents:
            self.contents[uri] = load(Path(unquote(urlparse(uri).path)))
        return self.contents[uri]

    def registry(self) -> Registry:
        def retrieve(uri: str) -> Resource:
            return Resource.from_contents(self.get(uri), default_specification=DRAFT202012)

        resources = [(uri, Resource.from_contents(doc, default_specification=DRAFT202012))
                     for uri, doc in self.contents.items()]
        return Registry(retrieve=retrieve).with_resources(resources)  # type: ignore[call-arg]

    def openapi_documents(self, document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
        """The spec, then every file it references that is itself an OpenAPI document (shared components)."""
        self.contents[self.root] = document
        yield self.root, document
        seen = {self.root}
        for ref in sorted(set(_refs(document))):
            uri = urljoin(self.root, ref).partition("#")[0]
            if uri in seen or not uri.startswith("file:"):
                continue
            seen.add(uri)
            try:
                other = self.get(uri)
            except Unreadable as exc:
                raise Unreadable(f"referenced file {ref.partition('#')[0]}: {exc}") from None
            if "openapi" in other:
                yield uri, other

    def resolve(self, node: Any, uri: str, pointer: str) -> tuple[Any, str, str]:
        """Follow `$ref` chains; returns the target node with its document URI and JSON pointer."""
        hops = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and hops < 20:
            target = urljoin(uri, node["$ref"])
            uri, _, pointer = target.partition("#")
            node = _pointer(self.get(uri), pointer)
            hops += 1
        return node, uri, pointer


def escape(key: str) -> str:
    """A key as one JSON pointer segment."""
    return key.replace("~", "~0").replace("/", "~1")


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and not value.startswith("#"):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _pointer(document: Any, pointer: str) -> Any:
    node = document
    for part in [p for p in pointer.split("/") if p]:
        part = unquote(part).replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node
