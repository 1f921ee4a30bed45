"""The one run model: what a run targets, selects, judges and writes, whichever door it came in by.

`conformance run` builds it from flags, environment and config file; `conformance replay` from a cassette
manifest; the pytest plugin from its `--conformance-*` options. The same class turns itself into those options
(`plugin_args`) and back (`from_plugin_options`), so the two directions cannot drift apart.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance.live import run_tag
from conformance.transport import DEFAULT_RETRIES, DEFAULT_RETRY_BUDGET

if TYPE_CHECKING:
    from conformance.target import Target

DEFAULT_TIMEOUT = 15.0
DEFAULT_EXAMPLES = 25


def new_run_id() -> str:
    return secrets.token_hex(4)


def seed_of(run_id: str) -> int:
    """The default seed: the hex run id itself, or a digest of a run id chosen by the user."""
    try:
        return int(run_id, 16) % 2**31
    except ValueError:
        return int(hashlib.sha256(run_id.encode()).hexdigest()[:8], 16) % 2**31


@dataclass
class RunSettings:
    #: Host root of the implementation; None until the embedded reference this run starts is listening.
    base_url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    profile: str = "tolerant"
    apis: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    keyword: str | None = None
    exitfirst: bool = False
    last_failed: bool = False
    workers: int = 1
    max_examples: int = DEFAULT_EXAMPLES
    #: None: derived from the run id (`seed_of`), so a run id reproduces its data.
    seed: int | None = None
    quick: bool = False
    faults: list[str] = field(default_factory=list)
    record_dir: str | None = None
    replay_dir: str | None = None
    run_id: str = field(default_factory=new_run_id)
    member_ids: list[str] = field(default_factory=list)
    read_only: bool = False
    report_dir: Path = field(default_factory=lambda: Path("reports"))
    timeout: float = DEFAULT_TIMEOUT
    #: 429/503 retries per request, within `retry_budget` seconds of waiting (Retry-After honoured).
    retries: int = DEFAULT_RETRIES
    retry_budget: float = DEFAULT_RETRY_BUDGET
    #: (K, N): the K-th of N deterministic slices of the selection.
    shard: tuple[int, int] | None = None
    #: The target is a throw-away reference started for this run: site-wide operations may be fuzzed and
    #: nothing needs guarding, since the data dies with the run.
    disposable: bool = False
    #: Where the plugin writes the per-test results (the runner puts them in the report folder).
    results_path: Path | None = None
    #: HOST:PORT of the run's event receiver; the target delivers its webhooks there (any path).
    webhooks_listen: str | None = None
    #: PEM file with the public key that verifies the events' signatures.
    webhook_public_key: str | None = None
    #: How long an event scenario waits for each expected event.
    webhook_wait: float = 5.0
    #: Selected APIs the start-up probe found absent (a v3-only or v4-only Badges target); their tests skip.
    #: None: nobody probed (the plugin used on its own), so the suite asks the target itself.
    not_served: list[str] | None = None
    #: With -n against the embedded reference: PEM file of the key with which each xdist worker's own reference
    #: signs its events (workers of one run never share site-wide state). None: workers share the run's target.
    worker_reference_key: str | None = None
    extra_pytest_args: list[str] = field(default_factory=list)

    @property
    def tag(self) -> str:
        return run_tag(self.run_id)

    @property
    def embedded(self) -> bool:
        """The target is (or will be) a reference this run started, not someone's site."""
        return self.base_url is None or self.disposable

    @property
    def effective_seed(self) -> int:
        return self.seed if self.seed is not None else seed_of(self.run_id)

    def plugin_args(self) -> list[str]:
        """The `--conformance-*` options that carry these settings into pytest (and its xdist workers)."""
        args = ["--conformance-profile", self.profile, "--conformance-run-id", self.run_id,
                "--conformance-max-examples", str(self.max_examples), "--conformance-timeout", f"{self.timeout:g}",
                "--conformance-retries", str(self.retries), "--conformance-retry-budget", f"{self.retry_budget:g}"]
        if self.results_path:
            args += ["--conformance-results", str(self.results_path)]
        if self.base_url:
            args += ["--conformance-base-url", self.base_url]
        if self.disposable:
            args.append("--conformance-disposable")
        for name, value in self.headers.items():
            args += ["--conformance-header", f"{name}: {value}"]
        for option, values in (("--conformance-api", self.apis), ("--conformance-rule", self.rules),
                               ("--conformance-member-id", self.member_ids), ("--conformance-fault", self.faults)):
            for value in values:
                args += [option, value]
        if self.seed is not None:
            args += ["--conformance-seed", str(self.seed)]
        if self.read_only:
            args.append("--conformance-read-only")
        if self.quick:
            args.append("--conformance-quick")
        if self.shard:
            args += ["--conformance-shard", f"{self.shard[0]}/{self.shard[1]}"]
        if self.record_dir:
            args += ["--conformance-record", self.record_dir]
        if self.replay_dir:
            args += ["--conformance-replay", self.replay_dir]
        if self.webhooks_listen and not self.replay_dir:
            args += ["--conformance-webhooks-listen", self.webhooks_listen]
        if self.webhook_public_key:
            args += ["--conformance-webhook-public-key", self.webhook_public_key]
        args += ["--conformance-webhook-wait", f"{self.webhook_wait:g}"]
        if self.not_served is not None:
            args.append(f"--conformance-not-served={','.join(self.not_served)}")
        if self.worker_reference_key:
            args += ["--conformance-worker-reference", self.worker_reference_key]
        return args

    @classmethod
    def from_plugin_options(cls, opt: Any) -> RunSettings:
        """The inverse of `plugin_args`, from pytest's parsed options."""
        from conformance.headers import parse_headers

        run_id = opt.conformance_run_id or new_run_id()
        return cls(
            base_url=(opt.conformance_base_url or "").rstrip("/") or None,
            headers=parse_headers(opt.conformance_header),
            profile=opt.conformance_profile,
            apis=list(opt.conformance_api),
            rules=list(opt.conformance_rule),
            max_examples=opt.conformance_max_examples,
            seed=opt.conformance_seed if opt.conformance_seed is not None else seed_of(run_id),
            quick=opt.conformance_quick,
            faults=list(opt.conformance_fault),
            record_dir=opt.conformance_record,
            replay_dir=opt.conformance_replay,
            run_id=run_id,
            member_ids=list(opt.conformance_member_id),
            read_only=opt.conformance_read_only,
            timeout=opt.conformance_timeout,
            retries=opt.conformance_retries,
            retry_budget=opt.conformance_retry_budget,
            shard=opt.conformance_shard,
            disposable=opt.conformance_disposable,
            results_path=Path(opt.conformance_results) if opt.conformance_results else None,
            webhooks_listen=opt.conformance_webhooks_listen,
            webhook_public_key=opt.conformance_webhook_public_key,
            webhook_wait=opt.conformance_webhook_wait,
            not_served=(None if opt.conformance_not_served is None
                        else [api for api in opt.conformance_not_served.split(",") if api]),
            worker_reference_key=opt.conformance_worker_reference,
        )

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any], folder: str) -> RunSettings:
        """The run a cassette set recorded, to be judged again from `folder` as it was recorded (a recording of
        the embedded reference keeps its disposable target: no live-site guards, same requests)."""
        from conformance.target import REDACTED

        return cls(
            base_url=manifest.get("base_url") or "http://replay.invalid",
            headers={name: REDACTED for name in manifest.get("header_names", [])},
            profile=manifest.get("profile") or "tolerant",
            apis=list(manifest.get("apis", [])),
            rules=list(manifest.get("rules", [])),
            keyword=manifest.get("keyword"),
            max_examples=int(manifest.get("max_examples") or DEFAULT_EXAMPLES),
            seed=manifest.get("seed"),
            quick=bool(manifest.get("quick")),
            faults=list(manifest.get("faults", [])),
            replay_dir=folder,
            run_id=str(manifest["run_id"]),
            member_ids=list(manifest.get("member_ids", [])),
            read_only=bool(manifest.get("read_only")),
            disposable=bool(manifest.get("embedded")),
            not_served=list(manifest.get("not_served", [])),
        )

    def target(self, base_url: str | None = None, **overrides: Any) -> Target:
        """A `Target` for this run: its headers, timeout and retry budget."""
        from conformance.target import Target

        options: dict[str, Any] = {"timeout": self.timeout, "max_retries": self.retries,
                                   "retry_budget": self.retry_budget, **overrides}
        return Target(base_url or self.base_url or "http://replay.invalid", dict(self.headers), **options)

    def manifest_fields(self) -> dict[str, Any]:
        """What a replay needs to send the same requests again (header names only: never their values)."""
        return {"faults": list(self.faults), "max_examples": self.max_examples, "quick": self.quick,
                "apis": list(self.apis), "rules": list(self.rules), "keyword": self.keyword,
                "read_only": self.read_only, "member_ids": list(self.member_ids),
                "header_names": sorted(self.headers), "not_served": list(self.not_served or [])}
