"""The run configuration file: `conformance.toml` in the working directory, or `[tool.conformance]`
in `pyproject.toml`.

Precedence (applied in `resolve`): command-line flags > environment > config file > defaults.
Secrets never live in the file: a header value must be `env:VARIABLE`; a literal is refused.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from conformance.errors import UsageError

KEYS: dict[str, type | tuple[type, ...]] = {
    "base_url": str,
    "profile": str,
    "apis": list,
    "headers": dict,
    "member_ids": list,
    "max_examples": int,
    "seed": int,
    "workers": int,
    "report_dir": str,
    "rules": list,
    "read_only": bool,
    "webhooks_listen": str,
    "webhook_public_key": str,
    "webhook_wait": (int, float),
    "webhook_urls": list,  # `conformance serve`: where the reference delivers its events
    "retries": int,
    "retry_budget": (int, float),
}
ENVIRONMENT = {"base_url": "CONFORMANCE_BASE_URL", "profile": "CONFORMANCE_PROFILE"}


class ConfigError(UsageError, ValueError):
    pass


def load_file(directory: Path | None = None) -> tuple[dict[str, Any], str | None]:
    """Read the config file, if any; returns the table and where it came from."""
    folder = directory or Path.cwd()
    candidates = [(folder / "conformance.toml", None), (folder / "pyproject.toml", ("tool", "conformance"))]
    for path, table in candidates:
        if not path.is_file():
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path.name} is not valid TOML: {exc}") from None
        for key in table or ():
            data = data.get(key, {})
            if not isinstance(data, dict):
                raise ConfigError(f"{path.name}: [tool.conformance] must be a table")
        if table and not data:
            continue
        validate(data, path.name)
        return data, path.name
    return {}, None


def validate(data: dict[str, Any], origin: str) -> None:
    for key, value in data.items():
        name = key.replace("-", "_")
        if name not in KEYS:
            raise ConfigError(f"{origin}: unknown key {key!r} (known: {', '.join(sorted(KEYS))})")
        if not isinstance(value, KEYS[name]) or (isinstance(value, bool) and KEYS[name] is int):
            kinds = KEYS[name] if isinstance(KEYS[name], tuple) else (KEYS[name],)
            names = " or ".join(kind.__name__ for kind in kinds)  # type: ignore[union-attr]
            raise ConfigError(f"{origin}: {key} must be of type {names}")
    for header, value in (data.get("headers") or {}).items():
        if not (isinstance(value, str) and value.startswith("env:")):
            raise ConfigError(f"{origin}: header {header} holds a literal value; write it as \"env:VARIABLE\" "
                              "so the secret stays in the environment")


def resolve(flags: dict[str, Any], file_data: dict[str, Any]) -> dict[str, Any]:
    """Merge the sources: flags (non-None) > environment > file > nothing (callers hold defaults)."""
    merged = {key.replace("-", "_"): value for key, value in file_data.items()}
    for key, variable in ENVIRONMENT.items():
        if os.environ.get(variable):
            merged[key] = os.environ[variable]
    for key, value in flags.items():
        if value is not None and value != [] and value is not False:
            merged[key] = value
    return merged


def load_config(explicit: str | None) -> dict[str, Any]:
    """The config table: `--config FILE` when given, else conformance.toml / [tool.conformance] in cwd."""
    import tomllib

    if not explicit:
        return load_file()[0]
    path = Path(explicit)
    if not path.is_file():
        raise ConfigError(f"config file {explicit} does not exist")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path.name} is not valid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("conformance", {})
    validate(data, path.name)
    return data
