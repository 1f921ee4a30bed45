"""The fault variants of Badge Assignments v4: data only (switched on by name, checked by `Context.fault`)."""

from __future__ import annotations

from conformance.reference import badges as v3
from conformance.reference.faults import Fault

FAULTS = (
    Fault("assign4-id-is-badge-id", "ASSIGN-1", "the assignment id is the badge id"),
    Fault("assign4-member-id-unchecked", "ASSIGN-2", "a non-GUID memberId is accepted"),
    Fault("assign4-unknown-badge-accepted", "ASSIGN-3", "assignments to unknown badges are created"),
    Fault("assign4-duplicates", "ASSIGN-4", "a repeated create adds a second assignment for the pair"),
    Fault("assign4-client-id-kept", "ASSIGN-5", "a client-supplied assignment id is used"),
    Fault("assign4-member-filter-ignored", "ASSIGN-6", "Query Badge Assignments ignores a memberId filter"),
    Fault("assign4-sort-size-unchecked", "ASSIGN-7", "a sort with more than 5 entries answers 500"),
    Fault("assign4-delete-ignored", "ASSIGN-8", "delete answers {} but the assignment stays"),
    Fault("assign4-bulk-counts-wrong", "ASSIGN-9", "bulkActionMetadata.totalSuccesses is off by one"),
    Fault("assign4-bulk-empty-accepted", "ASSIGN-10", "bulk create with 0 items answers 200"),
    Fault("assign4-bulk-item-always", "ASSIGN-11", "bulk results carry `item` without returnEntity (SHOULD)"),
    Fault("assign4-bulk-delete-unknown-404", "ASSIGN-12",
          "bulk delete with an unknown id is a whole-request 404 (AMB4-16: tolerated with a warning)", kind="hostile"),
    Fault("assign4-unassign-tags-ignored", "ASSIGN-13", "unassignTags is ignored"),
    Fault("assign4-tags-job-not-guid", "ASSIGN-14", "update-tags-by-filter answers a non-GUID jobId"),
    Fault("assign4-tag-list-unbounded", "ASSIGN-15", "tag lists longer than 100 are accepted"),
    Fault("assign4-alias-missing", "ASSIGN-18", "the badge-assignments alias paths are not served"),
    Fault("assign4-sdk-query-param-rejected", "ASSIGN-19",
          "the SDK's repeated ?badgeAssignmentId= is rejected (AMB-39 strict reading)", kind="hostile"),
    Fault("assign4-query-route-shadowed", "ASSIGN-20", "/assignments/query is routed as an assignment id"),
    # Correct alternative readings (compose: each answers a different request).
    Fault("assign4-event-created-missing", "ASSIGN-16", "Create Badge Assignment emits no event"),
    Fault("assign4-event-deleted-missing", "ASSIGN-16", "Delete Badge Assignment emits no event"),
    Fault("assign4-event-bulk-deleted-missing", "ASSIGN-16", "Bulk Delete Badge Assignments emits no event"),
    Fault("assign4-event-bulk-created-first-only", "ASSIGN-16",
          "Bulk Create emits Badge Assignment Created for its first item only (one per item: a SHOULD)",
          kind="hostile"),
    Fault("assign4-event-badge-fqdn", "ASSIGN-16", "assignment events carry entityFqdn wix.badges.v4.badge"),
    Fault("assign4-event-wrong-slug", "ASSIGN-16", "Badge Assignment Created carries slug 'assigned'"),
    Fault("assign4-event-entity-id-is-badge", "ASSIGN-16", "assignment events carry the badge id as entityId"),
    Fault("assign4-event-created-without-entity", "ASSIGN-16", "Badge Assignment Created has an empty createdEvent"),
    Fault("assign4-event-body-without-member", "ASSIGN-16", "assignment event bodies carry no memberId"),
    Fault("assign4-event-deleted-without-entity", "ASSIGN-17",
          "Badge Assignment Deleted is an empty deletedEvent (AMB4-17)"),
    Fault("assign4-unknown-members-rejected", "ASSIGN-2",
          "assigning member ids the site does not know is refused with 400, checked before the badge id "
          f"(AMB4-13, AMB-34); the site's members are {', '.join(v3.KNOWN_MEMBERS)}", kind="correct"),
    Fault("assign4-duplicate-409", "ASSIGN-4", "a repeated create is a 409 ALREADY_EXISTS (AMB4-12)",
          kind="correct"),
    Fault("assign4-unknown-badge-400", "ASSIGN-3", "an unknown badge is a 400, not a 404 (AMB4-13)",
          kind="correct"),
    Fault("assign4-bulk-delete-item", "ASSIGN-12", "bulk delete results carry the deleted item (AMB4-15)",
          kind="correct"),
)
