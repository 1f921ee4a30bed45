"""Where the project's data lives: specs, rule catalogue, golden cassettes."""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
RULES_FILE = PACKAGE_DIR / "data" / "rules.yaml"
SUITE_DIR = PACKAGE_DIR / "suite"

#: The APIs, by the short name used on the command line, and their spec files.
SPEC_FILES: dict[str, str] = {
    "tiers": "loyalty-tiers.yaml",
    "rewards": "loyalty-rewards.yaml",
    "badges": "badges.yaml",
    "badges-v4": "badges-v4.yaml",
    "assignments-v4": "badge-assignments-v4.yaml",
}
APIS: tuple[str, ...] = tuple(SPEC_FILES)


def specs_dir() -> Path:
    """The spec folder: `$CONFORMANCE_SPECS` when set (a vendor's edited copy), else the project's `specs/`."""
    return Path(os.environ.get("CONFORMANCE_SPECS") or PROJECT_DIR / "specs")


def cache_dir() -> Path:
    """This machine's cache for data derived once and reused by every run (`$XDG_CACHE_HOME/conformance`)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "conformance"


def spec_path(api: str) -> Path:
    return specs_dir() / SPEC_FILES[api]


def spec_hashes() -> dict[str, str]:
    """Short content hashes of the spec files, so a report says which contract it was judged against."""
    hashes = {}
    for path in sorted(specs_dir().glob("*.yaml")):
        hashes[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return hashes


@functools.cache
def load_yaml(path: Path) -> Any:
    """A data file of the package (spec, rule sheet), parsed once per process with libyaml's safe loader when
    PyYAML has it: the pure-Python loader takes ~0.3 s per spec, and several layers read the same files."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - a safe loader


def load_spec(api: str) -> dict[str, Any]:
    return dict(load_yaml(spec_path(api)))
