"""Secret scanner for cassettes, reports and logs.

Secrets are never stored, so the values to look for come from the caller (the run's header values, or
`--header`/environment at scan time), plus generic shapes a credential takes (`Bearer <long token>`,
JWTs such as Wix `IST.` API keys). A finding names file and line and shows only a masked value.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from conformance.redact import secret_forms

#: Shorter values are too likely to occur by chance (and are not credentials).
MIN_SECRET_LENGTH = 8
TEXT_SUFFIXES = {".yaml", ".yml", ".json", ".md", ".html", ".htm", ".xml", ".txt", ".log", ".csv", ".ini", ".toml"}
PATTERNS = {
    "bearer token": re.compile(r"Bearer\s+(?!\[REDACTED\])[A-Za-z0-9._~+/=-]{20,}"),
    "JWT / Wix API key": re.compile(r"\b(?:IST\.)?eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
}
#: Environment variables whose values count as secrets at scan time.
SECRET_ENV_NAMES = re.compile(r"(TOKEN|SECRET|PASSWORD|API_?KEY|AUTH)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Finding:
    path: Path
    line: int
    kind: str
    masked: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind} {self.masked}"


def mask(value: str) -> str:
    return value[:3] + "…" + f"({len(value)} chars)" if len(value) > 6 else "…"


def secret_values(values: Iterable[str]) -> list[str]:
    """The values worth searching for, in every form a file could hold them (verbatim, the bare token of
    `Bearer abc…`, base64, URL-encoded): long enough, not the known non-secrets, longest first."""
    return secret_forms(values, MIN_SECRET_LENGTH)


def environment_secrets() -> list[str]:
    return [value for name, value in os.environ.items() if SECRET_ENV_NAMES.search(name)]


def files_under(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files.extend(p for p in sorted(path.rglob("*"))
                         if p.is_file() and (p.suffix.lower() in TEXT_SUFFIXES or not p.suffix))
    return files


def scan_text(text: str, path: Path, values: list[str]) -> list[Finding]:
    findings: list[Finding] = []
    for number, line in enumerate(text.splitlines(), start=1):
        for value in values:
            if value in line:
                findings.append(Finding(path, number, "secret value", mask(value)))
        for kind, pattern in PATTERNS.items():
            for match in pattern.finditer(line):
                findings.append(Finding(path, number, kind, mask(match.group(0))))
    return findings


def scan_paths(paths: Iterable[Path], values: Iterable[str] = ()) -> list[Finding]:
    """Every occurrence of a secret value or credential shape in the text files under `paths`."""
    wanted = secret_values(values)
    findings: list[Finding] = []
    for file in files_under(Path(p) for p in paths):
        try:
            text = file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        findings.extend(scan_text(text, file, wanted))
    return findings


def print_findings(findings: list[Finding]) -> None:
    if not findings:
        return
    print(f"SECRET LEAK: {len(findings)} finding(s) — delete these files before sharing them:")
    for finding in findings[:50]:
        print(f"  {finding}")
    if len(findings) > 50:
        print(f"  … and {len(findings) - 50} more")
