"""Small field validators that add Wix field violations instead of raising on the first problem."""

from __future__ import annotations

from typing import Any

from conformance.reference.errors import Violations
from conformance.reference.http import is_guid


def obj(v: Violations, value: Any, field: str, required: bool = False) -> dict[str, Any] | None:
    if value is None:
        if required:
            v.add(field, "is required", "REQUIRED_FIELD")
        return None
    if not isinstance(value, dict):
        v.add(field, "must be an object")
        return None
    return value


def string(v: Violations, value: Any, field: str, *, required: bool = False, min_length: int = 0,
           max_length: int | None = None) -> str | None:
    if value is None:
        if required:
            v.add(field, "is required", "REQUIRED_FIELD")
        return None
    if not isinstance(value, str):
        v.add(field, "must be a string")
        return None
    if len(value) < min_length:
        v.add(field, f"must be at least {min_length} characters", "MIN_LENGTH")
    if max_length is not None and len(value) > max_length:
        v.add(field, f"must be at most {max_length} characters", "MAX_LENGTH")
    return value


def integer(v: Violations, value: Any, field: str, *, required: bool = False, minimum: int | None = None,
            maximum: int | None = None) -> int | None:
    """Integers may arrive as JSON numbers or numeric strings (proto-JSON int64 style)."""
    if value is None:
        if required:
            v.add(field, "is required", "REQUIRED_FIELD")
        return None
    if isinstance(value, bool):
        v.add(field, "must be an integer")
        return None
    if isinstance(value, str) and value.lstrip("-").isascii() and value.lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        v.add(field, "must be an integer")
        return None
    if minimum is not None and value < minimum:
        v.add(field, f"must be at least {minimum}", "OUT_OF_RANGE")
    if maximum is not None and value > maximum:
        v.add(field, f"must be at most {maximum}", "OUT_OF_RANGE")
    return value


def boolean(v: Violations, value: Any, field: str) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        v.add(field, "must be a boolean")
        return None
    return value


def guid(v: Violations, value: Any, field: str, *, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            v.add(field, "is required", "REQUIRED_FIELD")
        return None
    if not is_guid(value):
        v.add(field, "must be a GUID", "FORMAT")
        return None
    return str(value)


def guid_items(v: Violations, values: list[Any], field: str) -> None:
    """Every entry of a list is a GUID: one violation per other entry, named `field[index]`."""
    for index, value in enumerate(values):
        if not is_guid(value):
            v.add(f"{field}[{index}]", "must be a GUID", "FORMAT")


def enum(v: Violations, value: Any, field: str, allowed: tuple[str, ...], *, required: bool = False) -> str | None:
    if value is None:
        if required:
            v.add(field, "is required", "REQUIRED_FIELD")
        return None
    if value not in allowed:
        v.add(field, f"must be one of {', '.join(allowed)}", "ENUM")
        return None
    return str(value)
