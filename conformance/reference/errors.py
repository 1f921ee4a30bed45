"""Wix standard error bodies (API-FACTS §1.4) raised from handlers."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error answered with the Wix standard body `{message, details}`."""

    def __init__(self, status: int, message: str, details: dict[str, Any]):
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        return {"message": self.message, "details": self.details}


def application_error(status: int, code: str, message: str, data: dict[str, Any] | None = None) -> ApiError:
    return ApiError(status, message, {"applicationError": {"code": code, "description": message, "data": data or {}}})


def not_found(kind: str, entity_id: str) -> ApiError:
    return application_error(404, "NOT_FOUND", f"{kind} {entity_id} not found")


def conflict(message: str, code: str = "ALREADY_EXISTS") -> ApiError:
    return application_error(409, code, message)


def revision_mismatch(kind: str, entity_id: str) -> ApiError:
    return application_error(409, "ABORTED", f"{kind} {entity_id} has a different revision than the one supplied")


def violation(field: str, description: str, rule: str = "INVALID_ARGUMENT") -> dict[str, Any]:
    """One entry of `validationError.fieldViolations` (§1.4)."""
    return {"field": field, "description": description, "violatedRule": rule, "ruleName": "VALIDATION_ERROR"}


class Violations:
    """Collects field violations so one 400 can report them all ("Multiple violations may be returned")."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, field: str, description: str, rule: str = "INVALID_ARGUMENT") -> None:
        self.items.append(violation(field, description, rule))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise invalid(self.items)


def invalid(violations: list[dict[str, Any]] | str) -> ApiError:
    if isinstance(violations, str):
        violations = [violation("", violations)]
    first = violations[0]
    message = f"{first['field']}: {first['description']}" if first["field"] else first["description"]
    return ApiError(400, message, {"validationError": {"fieldViolations": violations}})
