"""Examples agree with their schemas: every request, response and parameter example, `$ref`s followed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry

from conformance.lint.documents import Documents, escape, operations, webhook_operations
from conformance.lint.report import Report


def examples(docs: Documents, document: dict[str, Any], problem: Report) -> int:
    """Validate every request, response and parameter example against its schema; returns how many."""
    try:
        registry = docs.registry()
    except Exception as exc:
        problem("examples", f"cannot build the schema registry: {exc}")
        return 0
    checked: set[tuple[str, str]] = set()
    count = 0

    def validate_media(content: Any, uri: str, pointer: str, where: str) -> None:
        nonlocal count
        if not isinstance(content, dict):
            return
        for media_type, media in content.items():
            media_pointer = f"{pointer}/{escape(media_type)}"
            if not isinstance(media, dict):
                continue
            for label, value in _example_values(docs, media, uri, media_pointer):
                count += 1
                if "schema" not in media:
                    problem(where, f"example {label!r} has no schema to validate against")
                    continue
                schema_uri = f"{uri}#{media_pointer}/schema"
                _validate(registry, schema_uri, value, f"{where} example {label!r}", problem)

    root = docs.root
    places: list[tuple[str, dict[str, Any], str]] = []
    for method, route, item, op in operations(document):
        base = f"/paths/{escape(route)}"
        places.append((f"{method.upper()} {route}", op, f"{base}/{method}"))
        for index, parameter in enumerate(item.get("parameters") or []):
            _parameter_examples(docs, registry, parameter, root, f"{base}/parameters/{index}",
                                f"{method.upper()} {route}", problem, checked)
    for method, name, op in webhook_operations(document):
        places.append((f"webhook {name}", op, f"/webhooks/{escape(name)}/{method}"))
    for where, op, pointer in places:
        for index, parameter in enumerate(op.get("parameters") or []):
            count += _parameter_examples(docs, registry, parameter, root, f"{pointer}/parameters/{index}",
                                         where, problem, checked)
        body, uri, body_pointer = docs.resolve(op.get("requestBody"), root, f"{pointer}/requestBody")
        if isinstance(body, dict):
            validate_media(body.get("content"), uri, f"{body_pointer}/content", f"{where} request")
        for status, response in (op.get("responses") or {}).items():
            resolved, uri, response_pointer = docs.resolve(response, root, f"{pointer}/responses/{status}")
            if not isinstance(resolved, dict) or (uri, response_pointer) in checked:
                continue
            if uri != root:
                checked.add((uri, response_pointer))
            validate_media(resolved.get("content"), uri, f"{response_pointer}/content", f"{where} {status}")
    return count


def _example_values(docs: Documents, holder: dict[str, Any], uri: str,
                    pointer: str) -> Iterator[tuple[str, Any]]:
    if "example" in holder:
        yield "example", holder["example"]
    for label, example in (holder.get("examples") or {}).items():
        resolved, _, _ = docs.resolve(example, uri, f"{pointer}/examples/{escape(label)}")
        if isinstance(resolved, dict) and "value" in resolved:
            yield label, resolved["value"]


def _parameter_examples(docs: Documents, registry: Registry, parameter: Any, uri: str, pointer: str,
                        where: str, problem: Report, checked: set[tuple[str, str]]) -> int:
    resolved, uri, pointer = docs.resolve(parameter, uri, pointer)
    if not isinstance(resolved, dict) or (uri, pointer) in checked:
        return 0
    checked.add((uri, pointer))
    count = 0
    for label, value in _example_values(docs, resolved, uri, pointer):
        count += 1
        name = resolved.get("name", "?")
        label_text = f"{where} parameter {name} example {label!r}"
        _validate(registry, f"{uri}#{pointer}/schema", value, label_text, problem)
    return count


def _validate(registry: Registry, schema_uri: str, value: Any, where: str, problem: Report) -> None:
    validator = Draft202012Validator({"$ref": schema_uri}, registry=registry,
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)
    try:
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
    except Exception as exc:  # an unresolvable $ref inside the schema
        problem(where, f"cannot validate: {exc.__class__.__name__}: {exc}")
        return
    for error in errors[:3]:
        location = "/".join(str(p) for p in error.absolute_path) or "(root)"
        problem(where, f"does not match its schema at {location}: {error.message[:200]}")
