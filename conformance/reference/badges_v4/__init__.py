"""Reference implementation of Members Badges v4 (API-FACTS-BADGES-V4 §3), beside v3 on the same store.

`faults` declares the variants, `model` the stored shapes (a v4 badge is the v3 document plus a side document
with its revision and icon object) and the reads and writes handlers share, `validation` the field checks,
`query` the query language Badge Assignments v4 shares, `handlers` the endpoints, `wire` how a badge is spelled,
`routes` the table `create_app` mounts. Assignments are in `assignments_v4` (the v3 assign links are their source
of truth).
"""

from conformance.reference.badges_v4.faults import FAULTS
from conformance.reference.badges_v4.model import ASSIGNMENT, EXTRA, PREFIX
from conformance.reference.badges_v4.query import check_filter, cursor_page, matches, parse_query, sort_docs
from conformance.reference.badges_v4.routes import routes
from conformance.reference.badges_v4.validation import guid_path

__all__ = ["ASSIGNMENT", "EXTRA", "FAULTS", "PREFIX", "check_filter", "cursor_page", "guid_path",
           "matches", "parse_query", "routes", "sort_docs"]
