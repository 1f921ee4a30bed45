"""The start-up probe: one read per API before anything else, so an unusable target is a one-line exit 2
naming the problem, not hundreds of failures dressed as verdicts."""

from __future__ import annotations

from urllib.parse import urlsplit

from conformance.target import Target, TargetError

#: The documented list endpoint of each API: an implementation must answer it (not 404).
PROBES = {
    "tiers": "/loyalty-tiers/v1/tiers",
    "rewards": "/loyalty-rewards/v1/rewards",
    "badges": "/members/v3/badges",
}


class ProbeError(Exception):
    """The target cannot be judged; the message says why and what to do."""


def base_url_problem(base_url: str) -> str | None:
    """Why a --base-url cannot be used at all, or None."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"--base-url {base_url!r} is not an http(s) URL; pass the host root, e.g. https://your-host"
    return None


def probe(target: Target, apis: list[str]) -> None:
    """Raises ProbeError when a documented list endpoint cannot be read as the API."""
    problem = base_url_problem(target.base_url)
    if problem:
        raise ProbeError(problem)
    for api in apis:
        if api not in PROBES:  # Badges v4: no GET collection; the suite itself says "not served" (v4_served)
            continue
        try:
            exchange = target.get(PROBES[api])
        except TargetError as exc:
            raise ProbeError(str(exc)) from None
        where = f"GET {PROBES[api]}"
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
