"""Reference implementation of Loyalty Tiers v1 (API-FACTS §3): tiers and the program settings.

`faults` declares the variants, `validation` the field checks, `handlers` and `program` the endpoints,
`wire` how answers are spelled, `routes` the table `create_app` mounts.
"""

from conformance.reference.tiers.faults import FAULTS
from conformance.reference.tiers.model import PREFIX
from conformance.reference.tiers.routes import routes

__all__ = ["FAULTS", "PREFIX", "routes"]
