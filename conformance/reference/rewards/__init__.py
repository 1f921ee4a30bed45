"""Reference implementation of Loyalty Rewards v1 (API-FACTS §4).

`faults` declares the variants, `validation` the field checks, `handlers` the endpoints, `paging` and `query`
cursor paging and the filter language, `wire` how answers and errors are spelled, `routes` the table
`create_app` mounts.
"""

from conformance.reference.rewards.faults import FAULTS
from conformance.reference.rewards.model import PREFIX
from conformance.reference.rewards.routes import routes, serves_anonymously

__all__ = ["FAULTS", "PREFIX", "routes", "serves_anonymously"]
