"""Reference implementation of Badge Assignments v4 (API-FACTS-BADGES-V4 §4) over the v3 assign links.

`faults` declares the variants, `model` the assignment documents kept in step with the v3 links (`reconcile`)
and the reads and writes handlers share, `validation` the field checks, `handlers` the endpoints, `wire` how bulk
answers are spelled, `routes` the table `create_app` mounts. The query language is Badges v4's
(`badges_v4.query`).
"""

from conformance.reference.assignments_v4.faults import FAULTS
from conformance.reference.assignments_v4.model import BULK_PREFIXES, PREFIXES
from conformance.reference.assignments_v4.routes import routes

__all__ = ["BULK_PREFIXES", "FAULTS", "PREFIXES", "routes"]
