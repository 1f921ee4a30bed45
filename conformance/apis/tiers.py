"""Loyalty Tiers v1 paths and envelopes (API-FACTS §3.2)."""

from __future__ import annotations

from typing import Any

from conformance.apis import delete_at_revision
from conformance.target import Exchange, Target

PREFIX = "/loyalty-tiers/v1"
TIERS = f"{PREFIX}/tiers"
BULK_CREATE = f"{PREFIX}/bulk/tiers/create"
PROGRAM = f"{PREFIX}/tiers/program"
SETTINGS = f"{PREFIX}/tiers/program-settings"


def tier_path(tier_id: str) -> str:
    return f"{TIERS}/{tier_id}"


#: Image fields the server fills from the media item; a strict server may reject them on input (AMB-30).
ICON_READ_ONLY = ("height", "width", "filename")


def writable(content: dict[str, Any]) -> dict[str, Any]:
    """Settings or tier content as read, minus the read-only icon fields, ready to be sent back."""
    out = dict(content)
    for key in ("tierDefinition", "baseTierDefinition"):
        definition = out.get(key)
        if isinstance(definition, dict) and isinstance(definition.get("icon"), dict):
            icon = {k: v for k, v in definition["icon"].items() if k not in ICON_READ_ONLY}
            out[key] = {**definition, "icon": icon}
    return out


def tier_body(name: str, points: int, **definition: Any) -> dict[str, Any]:
    return {"tierDefinition": {"name": name, **definition}, "requiredPoints": points}


class TiersApi:
    def __init__(self, target: Target):
        self.target = target

    def create(self, tier: dict[str, Any]) -> Exchange:
        return self.target.post(TIERS, {"tier": tier})

    def bulk_create(self, tiers: list[dict[str, Any]]) -> Exchange:
        return self.target.post(BULK_CREATE, {"tiers": tiers})

    def get(self, tier_id: str) -> Exchange:
        return self.target.get(tier_path(tier_id))

    def list(self) -> Exchange:
        return self.target.get(TIERS)

    def update(self, tier_id: str, tier: dict[str, Any]) -> Exchange:
        return self.target.patch(tier_path(tier_id), {"tier": {**tier, "id": tier_id}})

    def delete(self, tier_id: str, revision: str | None = None) -> Exchange:
        params = {"revision": revision} if revision is not None else None
        return self.target.delete(tier_path(tier_id), params=params)

    def program(self) -> Exchange:
        return self.target.get(PROGRAM)

    def settings(self) -> Exchange:
        return self.target.get(SETTINGS)

    def create_settings(self, settings: dict[str, Any]) -> Exchange:
        return self.target.post(SETTINGS, {"programSettings": settings})

    def update_settings(self, settings: dict[str, Any]) -> Exchange:
        return self.target.patch(SETTINGS, {"programSettings": settings})


def delete_owned(target: Target, tier_id: str) -> None:
    """Delete a tier this run created, at its current revision (a 404 means it is already gone)."""
    delete_at_revision(target, tier_path(tier_id), tier_id, "tier")


def tagged(target: Target, tag: str) -> list[str]:
    """Ids of tiers whose name carries the run tag (what a crashed run may have left behind)."""
    listing = target.get(TIERS)
    tiers = (listing.body or {}).get("tiers", []) if listing.status == 200 else []
    return [t["id"] for t in tiers if tag in str((t.get("tierDefinition") or {}).get("name", "")) and t.get("id")]
