"""The program-settings guard: serialised access to site-wide settings, restored after the test."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from conformance.apis import moment
from conformance.apis.tiers import TiersApi, writable
from conformance.live import site_lock
from conformance.suite.support.tiers import (
    entity,
)
from conformance.target import Exchange
from conformance.verdict import Expect

CONTENT_KEYS = ("status", "rollingWindow", "baseTierDefinition")


class SettingsGuard:
    """Access to the program settings that remembers what the site had and puts it back."""

    def __init__(self, tiers: TiersApi, expect: Expect):
        self.tiers = tiers
        self.expect = expect
        before = self.first = tiers.settings()
        body = before.body if before.status == 200 and isinstance(before.body, dict) else {}
        saved = body.get("programSettings")
        self.existed = isinstance(saved, dict) and bool(saved)
        self.saved: dict[str, Any] | None = saved if self.existed else None

    def current(self) -> dict[str, Any]:
        """The settings now; a site without any gets the defaults Get Tiers Program creates (TIER-15)."""
        answer = self.tiers.settings()
        if answer.status == 404:
            return entity(
                self.expect,
                self.tiers.program(),
                "Get Tiers Program (creates default settings)",
                key="programSettings",
                rule="TIER-15",
            )
        return entity(self.expect, answer, "Get Tiers Program Settings", key="programSettings")

    def update(self, revision: Any, **content: Any) -> Exchange:
        body = {k: v for k, v in content.items() if v is not None}
        if revision is not None:
            body["revision"] = revision
        return self.tiers.update_settings(body)

    def baseline(self, now: dict[str, Any]) -> dict[str, Any]:
        if self.saved is not None:
            return {k: self.saved[k] for k in CONTENT_KEYS if self.saved.get(k)}
        # The site had no settings: what it gets back is the documented default (DISABLED, no base tier).
        return {"status": "DISABLED", "rollingWindow": now.get("rollingWindow") or {"durationInMonths": 12}}

    def restore(self) -> None:
        """Put the saved content back with the current revision (only when something changed)."""
        for _ in range(3):
            answer = self.tiers.settings()
            if answer.status != 200 or not isinstance(answer.body, dict):
                return  # nothing exists, so nothing was changed
            now = answer.body.get("programSettings") or {}
            wanted = self.baseline(now)
            if all(
                now.get(k) == wanted.get(k) or (not now.get(k) and not wanted.get(k)) for k in CONTENT_KEYS
            ):
                return
            restored = self.tiers.update_settings({**writable(wanted), "revision": now.get("revision")})
            if restored.status == 200:
                return
        raise AssertionError(f"could not restore the program settings: {restored.describe()}")


@contextmanager
def guarded_settings(tiers: TiersApi, expect: Expect) -> Iterator[SettingsGuard]:
    """Serialised access to the site's program settings, restored afterwards (for any suite module)."""
    with site_lock(tiers.target.base_url, "tier-settings"):
        guard = SettingsGuard(tiers, expect)
        try:
            yield guard
        finally:
            guard.restore()


def other_status(status: Any) -> str:
    return "PAUSED" if status != "PAUSED" else "DISABLED"


def window(settings: dict[str, Any]) -> dict[str, Any]:
    months = (settings.get("rollingWindow") or {}).get("durationInMonths")
    return {"durationInMonths": months if isinstance(months, int) and 12 <= months <= 36 else 12}


def settings_content(settings: dict[str, Any]) -> dict[str, Any]:
    """The documented settings fields as a read shows them (absent = default, dates as instants)."""
    base = settings.get("baseTierDefinition") or {}
    return {
        "status": settings.get("status"),
        "revision": settings.get("revision"),
        "rollingWindow.durationInMonths": (settings.get("rollingWindow") or {}).get("durationInMonths") or 0,
        "baseTierDefinition.name": base.get("name") or "",
        "baseTierDefinition.description": base.get("description") or "",
        "baseTierDefinition.icon.url": (base.get("icon") or {}).get("url") or "",
        "updatedDate": moment(settings.get("updatedDate")),
    }


def settings_unchanged(expect: Expect, before: dict[str, Any], after: dict[str, Any], answer: Exchange) -> None:
    """COMMON-2: a refused settings write leaves every field as it was."""
    wanted, got = settings_content(before), settings_content(after)
    expect.that(
        got == wanted,
        f"the settings are unchanged after the refused HTTP {answer.status}; differs (before, after): "
        f"{ {k: (wanted[k], got[k]) for k in wanted if wanted[k] != got[k]} }",
        answer,
        rule="COMMON-2",
    )
