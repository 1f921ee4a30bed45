"""The plugin is installed for every pytest session on the machine: it must do nothing unless asked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

#: An unrelated project's only test: it checks, from inside its own session, that the auto-loaded plugin
#: started no server (no listening socket in this process) and loaded none of the suite's machinery.
PROBE = '''
import os
import sys


def _socket_inodes() -> set[str]:
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            link = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            found.add(link[8:-1])
    return found


def _listening_inodes() -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A":  # LISTEN
                inodes.add(fields[9])
    return inodes


def test_an_unrelated_test(request):
    assert request.config.pluginmanager.has_plugin("conformance"), "the plugin is installed and auto-loaded"
    assert not (_socket_inodes() & _listening_inodes()), "this pytest process listens on a socket"
    assert "conformance.embedded" not in sys.modules
    assert "uvicorn" not in sys.modules
'''


def test_an_unrelated_pytest_session_sees_no_conformance_activity(tmp_path: Path) -> None:
    (tmp_path / "test_one.py").write_text(PROBE)
    completed = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml",
                                "out.xml", "test_one.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-2000:]
    assert "conformance" not in (tmp_path / "out.xml").read_text(), "the plugin added properties to reports"
