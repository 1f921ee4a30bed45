"""Field checks of Loyalty Tiers v1: writable fields, the uniqueness rule, ids in the path."""

from __future__ import annotations

from typing import Any

from conformance.reference import validation as check
from conformance.reference.errors import ApiError, Violations, conflict, invalid, violation
from conformance.reference.http import Context, id_in_path, is_guid
from conformance.reference.tiers.model import MAX_POINTS, STATUSES


def tier_fields(
    ctx: Context, v: Violations, raw: dict[str, Any], prefix: str, *, creating: bool
) -> dict[str, Any]:
    """Validate the writable fields of a tier; read-only ones (id, dates, revision) are ignored (AMB-30)."""
    out: dict[str, Any] = {}
    definition = check.obj(v, raw.get("tierDefinition"), f"{prefix}.tierDefinition", required=creating)
    if definition is not None:
        out["tierDefinition"] = tier_definition(
            ctx, v, definition, f"{prefix}.tierDefinition", require_name=creating
        )
    max_points = None if ctx.fault("tier-points-unbounded") else MAX_POINTS
    if ctx.fault("tier-points-fraction-truncated") and isinstance(raw.get("requiredPoints"), float):
        raw = {**raw, "requiredPoints": int(raw["requiredPoints"])}
    points = check.integer(
        v,
        raw.get("requiredPoints"),
        f"{prefix}.requiredPoints",
        required=creating,
        minimum=0,
        maximum=max_points,
    )
    if points == 0 and ctx.fault("tier-zero-points-rejected"):
        v.add(f"{prefix}.requiredPoints", "0 points belong to the base tier", "OUT_OF_RANGE")
    if points is not None:
        out["requiredPoints"] = points
    return out


def tier_definition(
    ctx: Context, v: Violations, raw: dict[str, Any], prefix: str, *, require_name: bool
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    max_name = 200 if ctx.fault("tier-name-length-unchecked") else 50
    name = check.string(
        v, raw.get("name"), f"{prefix}.name", required=require_name, min_length=1, max_length=max_name
    )
    if name is not None:
        out["name"] = name
    max_description = 200 if ctx.fault("tier-description-length-unchecked") else 70
    description = check.string(v, raw.get("description"), f"{prefix}.description", max_length=max_description)
    if description is not None:
        out["description"] = description
    icon = check.obj(v, raw.get("icon"), f"{prefix}.icon")
    if icon is not None:
        out["icon"] = _icon(ctx, v, icon, f"{prefix}.icon")
    return out


def _icon(ctx: Context, v: Violations, raw: dict[str, Any], prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("id", "url", "altText"):
        value = check.string(v, raw.get(key), f"{prefix}.{key}")
        if value is not None:
            out[key] = value
    # height, width and filename are read-only: the server would take them from the media item.
    if ctx.fault("tier-icon-size-from-client"):
        for key in ("height", "width"):
            if isinstance(raw.get(key), int):
                out[key] = raw[key]
    else:
        out.setdefault("height", 0)
        out.setdefault("width", 0)
    return out


def settings_fields(
    ctx: Context, v: Violations, raw: dict[str, Any], *, require_all: bool
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    prefix = "programSettings"
    if ctx.fault("settings-status-unchecked"):
        status = raw.get("status") if isinstance(raw.get("status"), str) else None
        if status is None and require_all:
            v.add(f"{prefix}.status", "is required", "REQUIRED_FIELD")
    else:
        allowed = STATUSES[1:] if ctx.fault("settings-strict-ranges") else STATUSES
        status = check.enum(v, raw.get("status"), f"{prefix}.status", allowed, required=require_all)
    if status is not None:
        out["status"] = status
    window = check.obj(v, raw.get("rollingWindow"), f"{prefix}.rollingWindow", required=require_all)
    if window is not None:
        maximum = 999 if ctx.fault("settings-duration-unchecked") else 36
        if ctx.fault("settings-duration-36-rejected"):
            maximum = 35
        months = check.integer(
            v,
            window.get("durationInMonths"),
            f"{prefix}.rollingWindow.durationInMonths",
            required=True,
            minimum=12 if ctx.fault("settings-strict-ranges") else 1,
            maximum=maximum,
        )
        if months is not None:
            out["rollingWindow"] = {"durationInMonths": months}
    base = check.obj(v, raw.get("baseTierDefinition"), f"{prefix}.baseTierDefinition")
    if base is not None:
        out["baseTierDefinition"] = tier_definition(
            ctx, v, base, f"{prefix}.baseTierDefinition", require_name=False
        )
    return out


def conflicts(
    ctx: Context, fields: dict[str, Any], others: list[dict[str, Any]], *, on_update: bool
) -> str | None:
    """The uniqueness rule (TIER-2/3/4): name and requiredPoints belong to one tier per site."""
    if on_update and ctx.fault("tier-update-uniqueness-ignored"):
        return None
    name = _comparable(ctx, fields.get("tierDefinition", {}).get("name"))
    points = fields.get("requiredPoints")
    for other in others:
        other_name = _comparable(ctx, (other.get("tierDefinition") or {}).get("name"))
        if name is not None and other_name == name and not ctx.fault("tier-duplicate-name"):
            return f"a tier named {fields['tierDefinition']['name']!r} already exists"
        if (
            points is not None
            and other.get("requiredPoints") == points
            and not ctx.fault("tier-duplicate-points")
        ):
            return f"a tier with requiredPoints {points} already exists"
    return None


def _comparable(ctx: Context, name: Any) -> Any:
    """Names compare exactly; AMB-10 lets a site compare them without case and surrounding spaces."""
    if ctx.fault("tier-names-case-insensitive") and isinstance(name, str):
        return name.strip().casefold()
    return name


def internal_duplicates(items: list[Any]) -> bool:
    names = [((i.get("tierDefinition") or {}).get("name")) for i in items if isinstance(i, dict)]
    points = [i.get("requiredPoints") for i in items if isinstance(i, dict)]
    return any(
        len(set(x for x in values if x is not None)) < len([x for x in values if x is not None])
        for values in (names, points)
    )


def uniqueness(ctx: Context, problem: str) -> ApiError:
    if ctx.fault("tier-conflicts-answer-400"):
        return invalid([violation("tier", problem, "UNIQUE")])
    return conflict(problem)


def guid_path(ctx: Context, value: str) -> str:
    """The tier id in the path; the crashing fault variant fails on a malformed one (COMMON-4)."""
    if not is_guid(value) and ctx.fault("tier-malformed-id-500"):
        raise RuntimeError("badly formed hexadecimal UUID string")
    return id_in_path(value, "tier")

