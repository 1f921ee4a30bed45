"""Badge member ids for scenarios (AMB-34): the site's own (`--member-id`) first, made-up GUIDs after, and what
to do when a correct site refuses the made-up ones: the rule cannot be checked here, so the test is skipped and
the run reports it "not checked" with the flag that would check it."""

from __future__ import annotations

import pytest

from conformance.plugin import RunSettings, Unique
from conformance.target import Exchange


def member_ids(settings: RunSettings, unique: Unique, count: int) -> list[str]:
    """Members the target knows (`--member-id`) first, made-up GUIDs after: a site may take any GUID as a
    member, or refuse the ones it does not know (AMB-34, see `skip_if_made_up_members_refused`)."""
    ids = list(dict.fromkeys(settings.member_ids))[:count]
    while len(ids) < count:
        ids.append(unique.guid())
    return ids


def skip_if_made_up_members_refused(answer: Exchange, members: list[str], known: list[str]) -> None:
    """AMB-34: a correct site may refuse member ids it does not know. When the suite had to make some up (too
    few `--member-id`) and the target refuses them, the rule cannot be checked here: the test is skipped, and
    the run reports the rule "not checked" with the flag that would check it."""
    if refused_made_up_members(answer, members, known):
        pytest.skip(members_flag_reason(answer.status, len(members)))


def refused_made_up_members(answer: Exchange, members: list[str], known: list[str]) -> bool:
    invented = [m for m in members if m not in known]
    return bool(invented) and 400 <= answer.status < 500 and answer.status not in (401, 403, 429)


def members_flag_reason(status: int, count: int) -> str:
    return (f"the target refuses made-up member ids (HTTP {status}, AMB-34): pass {count} member id(s) of the "
            f"site with `conformance run --member-id GUID` (repeat the flag; pytest plugin: "
            f"--conformance-member-id) to check this rule")
