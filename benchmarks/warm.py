"""Imported last by the fork server (`launch.PRELOAD`): what every run loads before its first test, done once.

- the package's own specs and rule sheet, parsed (0.15-0.2 s of CPU a run);
- every module of the package but the suite's, every pytest plugin pytest loads from its entry points (xdist,
  Hypothesis, schemathesis, faker, anyio), and schemathesis's OpenAPI loader (each spec loaded once, the result
  dropped): where no bytecode is written (PYTHONDONTWRITEBYTECODE) each run compiled them again, and elsewhere
  it still read and executed them (about 0.1 s of CPU a run, measured in the child of the fork server);
- then the heap is frozen, so the garbage collections of the forked runs leave the preloaded objects alone.

Package data and code only: no settings, no environment, no target, so what a run judges is unchanged. The
suite's own modules are left to pytest, which imports them in each run as in a user's run.
"""

import gc
import importlib
import pkgutil
from importlib.metadata import entry_points

import schemathesis

import conformance
from conformance import rules
from conformance.paths import APIS, load_spec

for _api in APIS:
    schemathesis.openapi.from_dict(load_spec(_api))
rules.catalogue()
for _module in pkgutil.walk_packages(conformance.__path__, "conformance."):
    if not _module.name.startswith("conformance.suite") and not _module.name.endswith("__main__"):
        importlib.import_module(_module.name)
for _plugin in entry_points(group="pytest11"):
    _plugin.load()
gc.collect()
gc.freeze()
