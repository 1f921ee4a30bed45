"""Paths and envelopes of this API (to be filled in)."""

from __future__ import annotations

from conformance.target import Target


def delete_owned(target: Target, entity_id: str) -> None:
    raise NotImplementedError


def tagged(target: Target, tag: str) -> list[str]:
    return []
