"""The fault variants of Loyalty Rewards v1: data only (switched on by name, checked by `Context.fault`)."""

from __future__ import annotations

from conformance.reference.faults import Fault

FAULTS = (
    Fault("reward-create-drops-config", "REWARD-1", "created rewards lose their configsByTier"),
    Fault("reward-active-default-true", "REWARD-2", "active defaults to true"),
    Fault("reward-name-length-unchecked", "REWARD-3", "reward names of 51 characters accepted"),
    Fault("reward-empty-name-accepted", "REWARD-3", "an empty or missing reward name is accepted"),
    Fault("reward-type-unchecked", "REWARD-4", "any type string accepted"),
    Fault("reward-oneof-unchecked", "REWARD-5", "payload not checked against type"),
    Fault(
        "reward-coupon-oneof-unchecked",
        "REWARD-6",
        "coupon discount kinds and scope/minimumSubtotal not one-of",
    ),
    Fault("reward-configs-unbounded", "REWARD-7", "configsByTier size not checked"),
    Fault("reward-cost-unbounded", "REWARD-8", "costInPoints outside 1..9999999 accepted"),
    Fault("reward-amount-unchecked", "REWARD-9", "amounts not checked"),
    Fault("reward-cycle-count-unchecked", "REWARD-10", "discountedCycleCount outside 1..999 accepted"),
    Fault("reward-tier-id-unchecked", "REWARD-11", "non-GUID tierId accepted"),
    Fault("reward-bulk-accepts-11", "REWARD-12", "bulk create accepts 11 rewards"),
    Fault("reward-bulk-rejects-10", "REWARD-12", "bulk create rejects 10 rewards"),
    Fault("reward-revision-not-incremented", "REWARD-13", "updates keep the old revision"),
    Fault("reward-update-ignores-configs", "REWARD-13", "updates do not store a changed payload"),
    Fault("reward-stale-update-accepted", "REWARD-14", "updates with a stale revision succeed"),
    Fault("reward-update-without-revision", "REWARD-15", "updates without a revision succeed"),
    Fault("reward-update-without-name", "REWARD-15", "updates without a name succeed"),
    Fault("reward-type-change-accepted", "REWARD-16", "an update may change the type"),
    Fault("reward-delete-keeps-reward", "REWARD-17", "delete answers {} but the reward stays"),
    Fault("reward-stale-delete-accepted", "REWARD-18", "deletes with a stale revision succeed"),
    Fault(
        "reward-list-hides-expensive", "REWARD-19", "List Rewards omits rewards costing over 1,000,000 points"
    ),
    Fault(
        "reward-paging-count-wrong", "REWARD-20", "List pagingMetadata.count is the total, not the page size"
    ),
    Fault("reward-cursor-limit-ignored", "REWARD-20", "List Rewards ignores cursorPaging.limit"),
    Fault("reward-query-filter-ignored", "REWARD-21", "Query Rewards ignores the filter"),
    Fault("reward-query-default-limit-100", "REWARD-21", "Query Rewards defaults to 100 items"),
    Fault("reward-query-metadata-incomplete", "REWARD-21", "Query pagingMetadata lacks hasNext"),
    Fault("reward-query-sort-unbounded", "REWARD-22", "more than 5 sort entries accepted"),
    Fault("reward-query-limit-unbounded", "REWARD-22", "query cursorPaging.limit above 100 accepted"),
    Fault(
        "reward-long-cursor-accepted", "REWARD-22", "a cursor over 16000 characters is read as the first page"
    ),
    Fault("reward-cursor-drops-filter", "REWARD-23", "follow-up query pages forget the filter"),
    Fault("reward-unknown-id-500", "REWARD-24", "unknown reward ids answer 500"),
    Fault("reward-malformed-id-500", "REWARD-24", "malformed reward ids answer 500"),
    Fault(
        "reward-required-points-overrides-cost", "REWARD-26", "client requiredPoints replaces the base cost"
    ),
    Fault("reward-revision-as-number", "COMMON-6", "reward revision serialised as a JSON number"),
    Fault("reward-id-from-client", "COMMON-7", "a client-supplied reward id is kept"),
    Fault("reward-created-date-changes", "COMMON-8", "createdDate is rewritten on update"),
    Fault(
        "reward-invalid-update-partially-applied", "COMMON-2", "a rejected update still bumps the revision"
    ),
    Fault("reward-bulk-metadata-miscounted", "COMMON-11", "bulkActionMetadata.totalSuccesses is off by one"),
    Fault("reward-bulk-original-index-wrong", "COMMON-11", "failed bulk items report originalIndex 0"),
    Fault(
        "reward-bulk-oversize-partially-created", "COMMON-12", "an oversize bulk request creates the first 10"
    ),
    Fault("reward-cursor-repeats-items", "COMMON-13", "each next cursor starts one item early"),
    Fault("reward-list-limit-unclamped", "COMMON-14", "List Rewards serves more than 100 items per page"),
    # Issue 13: bugs that only the new checks catch, and further plausible implementation bugs.
    Fault(
        "reward-update-not-atomic",
        "COMMON-5",
        "the revision check and the write of an update are not atomic (read, check, yield, write)",
    ),
    Fault("reward-list-drops-scope", "REWARD-1", "List Rewards leaves out couponReward.scope"),
    Fault("reward-query-drops-tier-configs", "REWARD-1", "Query Rewards serves only the base-tier configs"),
    Fault(
        "reward-bulk-rejected-keeps-earlier",
        "COMMON-2",
        "a bulk request with an invalid item is rejected whole, but the items before it stay stored",
    ),
    Fault("reward-rejected-create-stored", "COMMON-2", "a create rejected for its configs is stored anyway"),
    Fault("reward-rejected-update-keeps-name", "COMMON-2", "a rejected update still stores the new name"),
    Fault("reward-delete-removes-neighbour", "REWARD-17", "a delete also removes the reward created after it"),
    Fault("reward-update-touches-others", "REWARD-13", "an update copies its active flag onto every reward"),
    Fault("reward-updated-date-frozen", "COMMON-8", "updates keep the old updatedDate"),
    Fault("reward-configs-21-rejected", "REWARD-7", "21 configsByTier (20 tiers + base) are rejected"),
    Fault("reward-errors-nonstandard", "COMMON-1", 'Rewards errors answer {"error": "..."}'),
    Fault("reward-list-public", "COMMON-9", "List Rewards is served without credentials"),
    Fault("reward-update-drops-flags", "REWARD-13", "updates lose limitedToOneItem and appliesToSubscriptions"),
    Fault("reward-cursor-skips-items", "COMMON-13", "each next cursor starts one item late"),
    Fault("reward-get-cached", "REWARD-13", "Get Reward serves the first version it read (a stale cache)"),
    # Correct alternative readings (issue 13 §4): each differs from the default reference in details the documents
    # leave open, and the suite must pass it in both profiles. They compose: any subset may be on at once.
    Fault(
        "reward-bulk-results-reversed",
        "COMMON-11",
        "bulk results come back in reverse order, each with its correct originalIndex",
        kind="correct",
    ),
    Fault(
        "reward-defaults-omitted",
        "REWARD-20",
        "default-valued fields are omitted (§1.2): active false, empty tierId, count 0, hasNext false, "
        "empty cursors, error null, zero bulk counters, the legacy requiredPoints",
        kind="correct",
    ),
    Fault(
        "reward-extra-fields-reordered",
        "REWARD-21",
        "undocumented extra fields on rewards and answers, keys in another order",
        kind="correct",
    ),
    Fault(
        "reward-other-ids-and-timestamps",
        "COMMON-8",
        "time-based GUIDs and microsecond timestamps with a +00:00 offset",
        kind="correct",
    ),
    Fault(
        "reward-opaque-cursors",
        "COMMON-13",
        "cursor tokens are random handles to state kept on the server",
        kind="correct",
    ),
    Fault(
        "reward-other-error-details",
        "COMMON-1",
        "other error messages, applicationError codes and violation rule names",
        kind="correct",
    ),
    Fault(
        "reward-newest-first",
        "REWARD-20",
        "List and Query serve the newest reward first; List's undocumented default page is 20 (AMB-31)",
        kind="correct",
    ),
    Fault(
        "reward-unknown-tiers-rejected",
        "REWARD-11",
        "configs naming a tier that does not exist, or one tier twice, are rejected (AMB-36)",
        kind="correct",
    ),
    Fault(
        "reward-put-replaces",
        "REWARD-13",
        "PUT replaces the whole reward: omitted fields are reset (AMB-23)",
        kind="correct",
    ),
    Fault(
        "reward-type-inferred",
        "REWARD-4",
        "a missing, UNDEFINED or legacy COUPON type is inferred from the payload (AMB-24)",
        kind="correct",
    ),
)
