"""The start-up probe: one read per API before anything else, so an unusable target is a one-line exit 2
naming the problem, not hundreds of failures dressed as verdicts.

It also finds which Badges version the target serves (issue 18): v3 and v4 may each be absent, and an absent
one is *not served* (its tests skip with one reason, the console prints one notice), never a failure. Tiers
and rewards are always required: a 404 there means a wrong --base-url.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from conformance.apis import badges_v4
from conformance.target import Exchange, Target, TargetError

#: The documented list endpoint of each API: an implementation must answer it (not 404).
PROBES = {
    "tiers": "/loyalty-tiers/v1/tiers",
    "rewards": "/loyalty-rewards/v1/rewards",
    "badges": "/members/v3/badges",
}


#: The APIs one v4 probe decides together: a target serves both v4 APIs or neither.
V4 = ("badges-v4", "assignments-v4")
#: The skip reason of every test of an API the target does not serve (reports group the rules by it).
NOT_SERVED = {
    "badges": "the target does not serve Badges v3 (GET /members/v3/badges answered 404; it serves Badges v4)",
    "badges-v4": "the target does not serve Badges v4 (every v4 probe answered 404)",
    "assignments-v4": "the target does not serve Badges v4 (every v4 probe answered 404)",
}


class ProbeError(Exception):
    """The target cannot be judged; the message says why and what to do."""


def base_url_problem(base_url: str) -> str | None:
    """Why a --base-url cannot be used at all, or None."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"--base-url {base_url!r} is not an http(s) URL; pass the host root, e.g. https://your-host"
    return None


def serves_v4(target: Target) -> bool:
    """False when every v4 probe answers 404 (v4 has no GET collection: its two query endpoints are asked)."""
    try:
        return badges_v4.served(target)
    except TargetError as exc:
        raise ProbeError(str(exc)) from None


def probe(target: Target, apis: list[str], *, named: bool = False) -> list[str]:
    """The APIs of `apis` the target does not serve; raises ProbeError when the target cannot be judged.

    `named`: the user chose `apis` with --api, so each must be served; a "not served" there would turn a
    broken v4 route table into skipped tests instead of failures."""
    problem = base_url_problem(target.base_url)
    if problem:
        raise ProbeError(problem)
    not_served: list[str] = []
    v4 = serves_v4(target) if {"badges", *V4} & set(apis) else False
    if not v4:
        not_served += [api for api in apis if api in V4]
    for api in apis:
        if api not in PROBES:
            continue
        try:
            exchange = target.get(PROBES[api])
        except TargetError as exc:
            raise ProbeError(str(exc)) from None
        if exchange.status == 404 and api == "badges" and v4:
            not_served.append(api)
            continue
        _require_api(exchange, f"GET {PROBES[api]}", target)
    if named and not_served:
        reasons = "; ".join(sorted({NOT_SERVED[api] for api in not_served}))
        raise ProbeError(f"--api {' --api '.join(not_served)} selected, but {reasons}")
    return not_served


def _require_api(exchange: Exchange, where: str, target: Target) -> None:
    """The documented list endpoint answered as an API that accepts the credentials and is healthy."""
    if exchange.status in (401, 403):
        raise ProbeError(f"{where} answered {exchange.status}: the target refused the credentials "
                         "(pass --header 'Authorization: env:VARIABLE')")
    if exchange.status == 429 or exchange.status >= 500:
        done = exchange.retry_note or ("not retried: only 429 and 503 are transient"
                                       if exchange.status != 503 else "not retried")
        raise ProbeError(f"{where} answered {exchange.status} ({done}): the target is not healthy")
    if exchange.status == 404:
        path = urlsplit(target.base_url).path.rstrip("/")
        hint = (f"--base-url ends in {path!r}: pass the host root" if path
                else "is --base-url the host root of an implementation? pass the host root")
        raise ProbeError(f"{where} answered 404, but it is a documented list endpoint: {hint} "
                         "(the suite appends the documented paths)")
    if not exchange.is_json:
        kind = "HTML" if "<html" in exchange.response_text[:500].lower() else "a non-JSON body"
        raise ProbeError(f"{where} answered {exchange.status} with {kind}: is --base-url the API host root?")
