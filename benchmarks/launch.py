"""Start `conformance` commands as new processes that skip the interpreter's start-up and the library imports.

A mutation campaign starts a few hundred whole-suite runs; each would spend about a second importing pytest,
schemathesis, Hypothesis, Starlette and friends before its first test. Here every run is a fresh process forked
from one server process (multiprocessing's "forkserver") that imported those modules once and did nothing else:
no settings read, no server started, no test collected; only the package's own specs are parsed (`warm`). The
child then calls the same entry point with the same arguments as `python -m conformance ...` in its own working
directory and environment, so what it does is what a user's run does.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import sys
from dataclasses import dataclass
from multiprocessing.context import BaseContext
from pathlib import Path

#: Imported once by the fork server: libraries and the conformance modules a run imports first. Nothing that
#: reads settings or the environment at import time (the suite's modules, the benchmark's stop plugin).
PRELOAD = ["conformance.cli.main", "conformance.cli.run", "conformance.runner", "conformance.reference",
           "conformance.embedded", "conformance.plugin", "conformance.reporting.results", "pytest", "_pytest.fixtures",
           "schemathesis", "schemathesis.pytest", "hypothesis", "hypothesis.stateful", "faker", "uvicorn", "vcr",
           "requests", "jwt", "rich.console", "yaml",
           # imported later in every run (python -X importtime on a child, 0.45 s in all); the first is 0.27 s alone
           "schemathesis.pytest._test_builder", "schemathesis.pytest.xdist", "schemathesis.generation.dictionaries",
           "schemathesis.generation.stateful.state_machine", "uvicorn.protocols.http.h11_impl",
           "anyio._core._sockets", "conformance.webhooks", "conformance.fuzzing",
           "warm"]  # benchmarks/warm.py: the package's specs and rule sheet, parsed once

_CONTEXT: list[BaseContext] = []


def _context() -> BaseContext:
    if not _CONTEXT:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        _CONTEXT.append(context)
    return _CONTEXT[0]


@dataclass(frozen=True, slots=True)
class Finished:
    code: int
    output: str
    #: CPU seconds (user + system) the run used, threads included: comparable however loaded the machine is.
    cpu: float


def conformance(args: list[str], cwd: str, env: dict[str, str], timeout: float) -> Finished:
    """Run `conformance ARGS` in `cwd` with exactly `env`; its exit code, output (stdout and stderr) and CPU."""
    output = Path(cwd) / ".conformance-output"
    usage = Path(cwd) / ".conformance-cpu"
    process = _context().Process(target=_child, args=(args, cwd, env, str(output), str(usage)))  # type: ignore[attr-defined]
    process.start()
    process.join(timeout)
    if process.is_alive():
        process.kill()
        process.join()
        return Finished(-9, f"killed after {timeout:g} s\n", 0.0)
    text = output.read_text(errors="replace") if output.is_file() else ""
    cpu = float(usage.read_text()) if usage.is_file() else 0.0
    return Finished(int(process.exitcode), text, cpu)


def _child(args: list[str], cwd: str, env: dict[str, str], output: str, usage: str) -> None:
    descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(descriptor, 1)
    os.dup2(descriptor, 2)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    sys.argv = ["conformance", *args]
    from conformance.cli.main import main

    try:
        code = main(args)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        spent = resource.getrusage(resource.RUSAGE_SELF)
        Path(usage).write_text(f"{spent.ru_utime + spent.ru_stime:.3f}")
    os._exit(code)  # as the interpreter would after `raise SystemExit(main())`, without its exit-time clean-up
