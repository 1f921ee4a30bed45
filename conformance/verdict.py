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
    """A documented rule was broken; the message quotes the rule and shows the exchange."""


@dataclass
class Expect:
    """Assertions bound to the rule ids a test checks and to the active profile."""

    rule_ids: tuple[str, ...]
    profile: str = "tolerant"
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def strict(self) -> bool:
        return self.profile == "strict"

    def fail(self, message: str, exchange: Exchange | None = None, rule: str | None = None) -> None:
        raise RuleViolation(self._format(message, exchange, rule))

    def that(self, condition: object, message: str, exchange: Exchange | None = None, rule: str | None = None) -> None:
        """A MUST: the condition has to hold in every profile."""
        if not condition:
            self.fail(message, exchange, rule)

    def prefer(
        self, condition: object, message: str, exchange: Exchange | None = None, amb: str | None = None,
        rule: str | None = None,
    ) -> None:
        """A preferred reading (SHOULD, or the strict side of an AMB decision): warn when tolerant, fail when strict."""
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
        if exchange.status in wanted:
            return exchange.status
        if exchange.status in allowed:
            self.prefer(False, f"{label}expected HTTP {_codes(wanted)}, got {exchange.status}", exchange, amb, rule)
            return exchange.status
        self.fail(f"{label}expected HTTP {_codes(wanted | allowed)}, got {exchange.status}", exchange, rule)
        return exchange.status

    def rejected(self, exchange: Exchange, preferred: int = 400, *, amb: str | None = None,
                 rule: str | None = None, what: str = "") -> None:
        """A documented rejection: any 4xx except 404 counts; a code other than `preferred` is a tolerated reading."""
        label = f"{what}: " if what else ""
        if not (400 <= exchange.status < 500) or exchange.status == 404:
            self.fail(f"{label}expected the request to be rejected (HTTP {preferred}), got {exchange.status}",
                      exchange, rule)
        if exchange.status != preferred:
            self.prefer(False, f"{label}rejected with HTTP {exchange.status}, preferred {preferred}", exchange,
                        amb, rule)

    def ok(self, exchange: Exchange, what: str = "", rule: str | None = None) -> Any:
        """A documented success: HTTP 200 with a JSON body (AMB-29). Returns the parsed body."""
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
    return " or ".join(str(c) for c in sorted(codes))
