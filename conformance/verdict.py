"""How a scenario turns what it saw into a verdict: pass, warn or fail, under a profile.

The tolerant profile (default) accepts every reading API-FACTS §5 marks tolerant and reports the
preferred-but-unmet ones as warnings; the strict profile turns those warnings into failures.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from conformance import rules
from conformance.target import Exchange

PROFILES = ("tolerant", "strict")


class RuleViolation(AssertionError):
    """A documented rule was broken; the message quotes the rule and shows the exchange.

    `rules` names the rule ids the violation breaks: only those turn red, not every rule the test carries.
    """

    def __init__(self, message: str, rules: tuple[str, ...] = ()):
        super().__init__(message)
        self.rules = rules


#: Every client-error status except 404: what AMB-5 and AMB-13 tolerate ("tolerant on the exact 4xx code").
ANY_4XX = frozenset(range(400, 500)) - {404}


@dataclass
class Expect:
    """Assertions bound to the rule ids a test checks and to the active profile."""

    rule_ids: tuple[str, ...]
    profile: str = "tolerant"
    warnings: list[dict[str, Any]] = field(default_factory=list)
    #: Rules for which an assertion that can fail in the active profile has run: only these can `pass`.
    checked: set[str] = field(default_factory=set)

    @property
    def strict(self) -> bool:
        return self.profile == "strict"

    def _scope(self, rule: str | None) -> tuple[str, ...]:
        return (rule,) if rule else self.rule_ids

    def _ran(self, rule: str | None) -> None:
        self.checked.update(self._scope(rule))

    def fail(self, message: str, exchange: Exchange | None = None, rule: str | None = None) -> None:
        self._ran(rule)
        raise RuleViolation(self._format(message, exchange, rule), self._scope(rule))

    def that(self, condition: object, message: str, exchange: Exchange | None = None, rule: str | None = None) -> None:
        """A MUST: the condition has to hold in every profile."""
        self._ran(rule)
        if not condition:
            self.fail(message, exchange, rule)

    def prefer(
        self, condition: object, message: str, exchange: Exchange | None = None, amb: str | None = None,
        rule: str | None = None,
    ) -> None:
        """A preferred reading (SHOULD, or the strict side of an AMB decision): warn when tolerant, fail when strict.

        Only in strict can it fail, so only there does it count as checking its rule."""
        if self.strict:
            self._ran(rule)
        if condition:
            return
        text = message + (f" (tolerated reading, {amb})" if amb else "")
        if self.strict:
            self.fail(text, exchange, rule)
        self.warnings.append(
            {"rule": rule or self.rule_ids[0], "message": text, "exchange": exchange.to_dict() if exchange else None}
        )

    def status(
        self,
        exchange: Exchange,
        expected: int | Collection[int],
        *,
        tolerated: Iterable[int] = (),
        amb: str | None = None,
        rule: str | None = None,
        what: str = "",
    ) -> int:
        """Check the status code: `expected` passes, `tolerated` warns (tolerant) or fails (strict)."""
        wanted = {expected} if isinstance(expected, int) else set(expected)
        allowed = set(tolerated)
        label = f"{what}: " if what else ""
        self._ran(rule)
        if exchange.status in wanted:
            return exchange.status
        if exchange.status in allowed:
            self.prefer(False, f"{label}expected HTTP {_codes(wanted)}, got {exchange.status}", exchange, amb, rule)
            return exchange.status
        self.fail(f"{label}expected HTTP {_codes(wanted | allowed)}, got {exchange.status}", exchange, rule)
        return exchange.status

    def rejected(self, exchange: Exchange, preferred: int = 400, *, tolerated: Iterable[int] = (),
                 amb: str | None = None, rule: str | None = None, what: str = "") -> None:
        """A documented rejection: `preferred` passes, a code in `tolerated` (what §5 allows for this rule) is a
        tolerated reading, anything else fails. A 409 to an invalid request is not a rejection: it says an earlier
        invalid request was stored."""
        label = f"{what}: " if what else ""
        self._ran(rule)
        allowed = set(tolerated) - {preferred}
        if exchange.status == preferred:
            return
        if exchange.status in allowed:
            self.prefer(False, f"{label}rejected with HTTP {exchange.status}, preferred {preferred}", exchange,
                        amb, rule)
            return
        self.fail(f"{label}expected the request to be rejected with HTTP {_codes({preferred} | allowed)}, "
                  f"got {exchange.status}", exchange, rule)

    def ok(self, exchange: Exchange, what: str = "", rule: str | None = None) -> Any:
        """A documented success: HTTP 200 with a JSON body (AMB-29). Returns the parsed body."""
        self._ran(rule)
        return self._success(exchange, what, rule)

    def setup(self, exchange: Exchange, what: str) -> Any:
        """A set-up step the scenario needs (a documented success), not the check itself: it fails the test when
        the target refuses, but it does not count as checking the test's rules."""
        return self._success(exchange, what, None)

    def _success(self, exchange: Exchange, what: str, rule: str | None) -> Any:
        label = f"{what}: " if what else ""
        if exchange.status != 200:
            self.fail(f"{label}expected HTTP 200, got {exchange.status}", exchange, rule)
        if not exchange.is_json:
            self.fail(f"{label}expected a JSON body", exchange, rule)
        return exchange.body

    def deleted(self, exchange: Exchange, what: str = "delete", rule: str | None = None) -> None:
        """COMMON-10: a delete answers 200 with a JSON object, documented as `{}`. Fields a preview adds to it
        are not a violation (extra fields are free), but they are reported."""
        body = self.ok(exchange, what, rule)
        self.that(isinstance(body, dict), f"{what}: the answer is a JSON object", exchange, rule)
        self.prefer(body == {}, f"{what}: the documented answer is {{}}, got {body!r}", exchange, rule=rule)

    def _format(self, message: str, exchange: Exchange | None, rule: str | None) -> str:
        ids = (rule,) if rule else self.rule_ids
        lines = []
        for rule_id in ids:
            try:
                item = rules.get(rule_id)
            except KeyError:
                lines.append(f"{rule_id}")
                continue
            lines.append(f"{rule_id} [{item.level}] {item.statement} (source: {item.source})")
        lines.append(f"violation: {message}")
        if exchange is not None:
            lines.append(f"exchange: {exchange.describe()}")
        return "\n".join(lines)


def _codes(codes: set[int]) -> str:
    if ANY_4XX <= codes:
        rest = sorted(codes - ANY_4XX)
        return " or ".join(["4xx except 404", *(str(c) for c in rest)])
    return " or ".join(str(c) for c in sorted(codes))
