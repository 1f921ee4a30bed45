"""Reference implementation of Members Badges v3 (API-FACTS §2).

`faults` declares the variants, `validation` the field checks, `query` the filter language, `model` the stored
shapes, `handlers` and `members` the endpoints, `wire` how answers are spelled, `routes` the table `create_app`
mounts. Badges v4 reuses the stored shapes (the same badges, another surface).
"""

from conformance.reference.badges.faults import FAULTS
from conformance.reference.badges.model import (
    ASSIGNED,
    BADGE,
    DEFAULT_BACKGROUND,
    DEFAULT_TEXT,
    EXTRA,
    KNOWN_MEMBERS,
    ORPHAN,
    PREFIX,
    REMOVED,
    slugify,
    unique_slug,
)
from conformance.reference.badges.routes import routes
from conformance.reference.badges.validation import COLOR

__all__ = ["ASSIGNED", "BADGE", "COLOR", "DEFAULT_BACKGROUND", "DEFAULT_TEXT", "EXTRA", "FAULTS", "KNOWN_MEMBERS",
           "ORPHAN", "PREFIX", "REMOVED", "routes", "slugify", "unique_slug"]
