"""The fault variants of Loyalty Tiers v1: data only (switched on by name, checked by `Context.fault`)."""

from __future__ import annotations

from conformance.reference.faults import Fault

FAULTS = (
    Fault(
        "tier-create-unwrapped", "TIER-1", 'Create Tier answers a bare tier instead of {"tier": ...} (AMB-2)'
    ),
    Fault("tier-duplicate-name", "TIER-2", "accepts a second tier with an existing name"),
    Fault("tier-duplicate-points", "TIER-3", "accepts a second tier with existing requiredPoints"),
    Fault("tier-update-uniqueness-ignored", "TIER-4", "an update may take another tier's name"),
    Fault(
        "tier-update-conflicts-with-itself", "TIER-4", "re-saving a tier's own name and points is a conflict"
    ),
    Fault(
        "tier-bulk-internal-duplicates", "TIER-5", "bulk create does not check duplicates inside the request"
    ),
    Fault("tier-bulk-accepts-21", "TIER-6", "bulk create accepts 21 tiers"),
    Fault("tier-bulk-rejects-20", "TIER-6", "bulk create rejects 20 tiers"),
    Fault("tier-points-unbounded", "TIER-7", "requiredPoints above 9999999 accepted"),
    Fault("tier-points-fraction-truncated", "TIER-7", "requiredPoints 1.5 accepted and truncated to 1"),
    Fault("tier-name-length-unchecked", "TIER-8", "tier names of 51 characters accepted"),
    Fault("tier-description-length-unchecked", "TIER-8", "tier descriptions of 71 characters accepted"),
    Fault("tier-revision-not-incremented", "TIER-9", "updates keep the old revision"),
    Fault("tier-update-body-id-wins", "TIER-9", "PATCH /tiers/{a} with body id b updates tier b (AMB-32)"),
    Fault("tier-stale-update-accepted", "TIER-10", "updates with a stale revision succeed"),
    Fault("tier-update-without-revision", "TIER-11", "updates without a revision succeed"),
    Fault("tier-delete-keeps-tier", "TIER-12", "delete answers {} but the tier stays"),
    Fault("tier-stale-delete-accepted", "TIER-13", "deletes with a stale revision succeed"),
    Fault("tier-list-includes-base", "TIER-14", "List Tiers includes the base tier"),
    Fault("program-default-active", "TIER-15", "default program settings are ACTIVE instead of DISABLED"),
    Fault("program-omits-tiers", "TIER-16", "Get Tiers Program returns no tiers"),
    Fault("settings-create-revision-2", "TIER-17", "created settings start at revision 2"),
    Fault("settings-create-overwrites", "TIER-18", "creating settings twice overwrites the first"),
    Fault("settings-revision-not-incremented", "TIER-19", "settings updates keep the old revision"),
    Fault("settings-missing-fields-accepted", "TIER-20", "settings update without rollingWindow accepted"),
    Fault("settings-stale-update-accepted", "TIER-21", "settings updates with a stale revision succeed"),
    Fault("settings-future-revision-accepted", "TIER-21", "settings updates with a future revision succeed"),
    Fault("settings-base-tier-kept", "TIER-22", "omitted baseTierDefinition is kept instead of reset"),
    Fault("settings-status-unchecked", "TIER-23", "any status string accepted"),
    Fault("settings-duration-unchecked", "TIER-24", "durationInMonths 37 accepted"),
    Fault("settings-duration-36-rejected", "TIER-24", "durationInMonths 36 rejected (off by one)"),
    Fault("tier-icon-size-from-client", "TIER-25", "icon height/width taken from the request"),
    Fault("tier-unknown-id-500", "TIER-27", "unknown tier ids answer 500"),
    Fault("tier-revision-as-number", "COMMON-6", "tier revision serialised as a JSON number"),
    Fault("tier-delete-unknown-id-ok", "COMMON-3", "deleting an unknown tier id answers 200 {}"),
    Fault("tier-malformed-id-500", "COMMON-4", "a malformed tier id in the path answers 500"),
    Fault(
        "tier-future-revision-accepted",
        "COMMON-5",
        "updates carrying a revision above the current one succeed",
    ),
    Fault("tier-id-from-client", "COMMON-7", "a client-supplied tier id is kept"),
    Fault("tier-created-date-changes", "COMMON-8", "createdDate is rewritten on update"),
    Fault("tier-invalid-update-partially-applied", "COMMON-2", "a rejected update still bumps the revision"),
    Fault("tier-delete-204", "COMMON-10", "delete answers 204 with no body"),
    Fault("tier-bulk-metadata-miscounted", "COMMON-11", "bulkActionMetadata.totalSuccesses is off by one"),
    Fault(
        "tier-bulk-oversize-partially-created", "COMMON-12", "an oversize bulk request creates the first 20"
    ),
    Fault("tier-program-route-shadowed", "COMMON-17", "/tiers/program is routed as a tier id"),
    Fault("tier-update-not-atomic", "COMMON-5",
          "the revision check and the write of Update Tier are two steps: concurrent updates carrying one "
          "revision all succeed"),
    Fault("settings-update-not-atomic", "COMMON-5",
          "the revision check and the write of Update Tiers Program Settings are two steps: concurrent "
          "updates carrying one revision all succeed"),
    Fault("tier-empty-name-stored", "TIER-8",
          "a tier with an empty name is answered 400 but stored, so the next one gets 409 (a name clash)"),
    Fault("settings-get-defaults-active", "TIER-15",
          "Get Tiers Program Settings creates the defaults on a fresh site (AMB-14) with status ACTIVE"),
    Fault("tier-bulk-invalid-rejected-after-storing", "COMMON-2",
          "a bulk request with an invalid item answers 400 but keeps the items before it"),
    Fault("tier-update-touches-others", "TIER-9",
          "an update also bumps the revision and updatedDate of every other tier"),
    Fault("tier-delete-removes-neighbour", "TIER-12", "a delete also removes the tier created after it"),
    Fault("tier-list-drops-description", "TIER-1", "List Tiers leaves out tierDefinition.description"),
    Fault("tier-get-drops-icon", "TIER-1", "Get Tier leaves out tierDefinition.icon"),
    Fault("tier-program-stale-after-update", "TIER-9",
          "Get Tiers Program serves tiers from a cache that updates do not refresh"),
    Fault("tier-updated-date-frozen", "COMMON-8", "an update keeps the tier's old updatedDate"),
    Fault("settings-updated-date-frozen", "COMMON-8", "a settings update keeps the old updatedDate"),
    Fault("tier-rejected-delete-bumps-revision", "COMMON-5",
          "a delete refused for a wrong revision (409) still bumps the tier's revision"),
    Fault("settings-rejected-update-applies-status", "COMMON-2",
          "a settings update refused for an invalid field (400) still stores the new status"),
    # Tolerated readings (no false positives): "hostile" passes tolerant and fails strict; "correct" is a
    # documented alternative the suite must pass in both profiles.
    Fault(
        "tier-conflicts-answer-400",
        "TIER-2",
        "uniqueness violations answer 400, not 409 (AMB-12)",
        kind="hostile",
    ),
    Fault(
        "tier-bulk-duplicates-reject-all",
        "TIER-5",
        "a bulk request with duplicates inside it is rejected whole, nothing created (AMB-11)",
        kind="correct",
    ),
    Fault(
        "tier-list-reversed-with-extras",
        "TIER-14",
        "tiers listed in reverse order with undocumented extra fields (AMB-31)",
        kind="correct",
    ),
    Fault(
        "settings-get-creates-defaults",
        "TIER-15",
        "Get Tiers Program Settings creates and returns the defaults instead of 404 (AMB-14)",
        kind="correct",
    ),
    Fault(
        "tier-bulk-results-reversed",
        "COMMON-11",
        "bulk results come in reverse request order, each with its correct originalIndex",
        kind="correct",
    ),
    Fault(
        "tier-other-encoding",
        "TIER-1",
        "time-based (version 1) GUIDs, microsecond timestamps with a +00:00 offset, keys in reverse order",
        kind="correct",
    ),
    Fault(
        "tier-undocumented-extras",
        "TIER-1",
        "tiers, settings and answers carry undocumented extra fields",
        kind="correct",
    ),
    Fault(
        "tier-defaults-omitted",
        "TIER-1",
        "default-valued fields are omitted (empty strings and objects, zeros, false, null; lists stay, as the "
        "official SDK's getTiersProgram needs them) as proto-JSON does (§1.2)",
        kind="correct",
    ),
    Fault(
        "tier-names-case-insensitive",
        "TIER-2",
        "tier names are unique regardless of case and surrounding spaces (AMB-10)",
        kind="correct",
    ),
    Fault(
        "tier-zero-points-rejected",
        "TIER-7",
        "requiredPoints 0 is refused with 400 for a non-base tier (AMB-26)",
        kind="correct",
    ),
    Fault(
        "tier-delete-requires-revision",
        "TIER-13",
        "a delete without ?revision= is refused with 400 (AMB-6)",
        kind="correct",
    ),
    Fault(
        "tier-body-id-mismatch-rejected",
        "TIER-9",
        "a PATCH whose body id differs from the path id is refused with 400 (AMB-32)",
        kind="correct",
    ),
    Fault(
        "settings-strict-ranges",
        "TIER-24",
        "durationInMonths 1..11 and status UNKNOWN are refused with 400 (AMB-7, AMB-9)",
        kind="correct",
    ),
)
