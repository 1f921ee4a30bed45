"""The Badges v4 / Badge Assignments v4 reference behaves as the fact sheet says, beside v3 on one store."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from conformance.reference import create_app

B4 = "/badges/v4/badges"
A4 = "/badges/v4/assignments"
BULK = "/badges/v4/bulk/assignments"
V3 = "/members/v3/badges"
M1 = "11111111-1111-4111-8111-111111111111"
M2 = "22222222-2222-4222-8222-222222222222"
UNKNOWN = "99999999-9999-4999-8999-999999999999"
COLORS = {"backgroundColor": "#C81B53", "textColor": "#FFFFFF"}


def client_with(*faults: str) -> TestClient:
    return TestClient(create_app(faults=faults), headers={"Authorization": "test"})


@pytest.fixture
def client() -> Iterator[TestClient]:
    with client_with() as c:
        yield c


def make(client: TestClient, title: str, **fields: Any) -> dict[str, Any]:
    answer = client.post(B4, json={"badge": {"title": title, **COLORS, **fields}})
    assert answer.status_code == 200, answer.text
    return answer.json()["badge"]


def assign(client: TestClient, badge_id: str, member: str, prefix: str = A4) -> dict[str, Any]:
    answer = client.post(prefix, json={"badgeAssignment": {"badgeId": badge_id, "memberId": member}})
    assert answer.status_code == 200, answer.text
    return answer.json()["badgeAssignment"]


def query(client: TestClient, path: str, **q: Any) -> dict[str, Any]:
    answer = client.post(f"{path}/query", json={"query": q})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_create_gives_revision_1_slug_and_icon_object(client: TestClient) -> None:
    badge = make(client, "Gold Member!", icon={"url": "wix:image://v1/a.png/a.png#originWidth=1&originHeight=2",
                                                "height": 99}, id=UNKNOWN, revision="7")
    assert (badge["revision"], badge["slug"]) == ("1", "gold-member")
    assert badge["id"] != UNKNOWN and badge["icon"] == {"url": "wix:image://v1/a.png/a.png#originWidth=1&originHeight=2"}


@pytest.mark.parametrize("fields", [{"title": "x" * 51}, {"title": ""}, {"description": "d" * 1501},
                                    {"backgroundColor": "red"}, {"icon": "https://x/y.svg"}])
def test_create_validation(client: TestClient, fields: dict[str, Any]) -> None:
    body = {"title": "ok", **COLORS, **fields}
    assert client.post(B4, json={"badge": body}).status_code == 400


def test_update_revision_is_a_compare_and_swap(client: TestClient) -> None:
    badge = make(client, "Old", description="kept")
    path = f"{B4}/{badge['id']}"
    updated = client.patch(path, json={"badge": {"revision": "1", "title": "New"}}).json()["badge"]
    assert (updated["revision"], updated["slug"], updated["description"]) == ("2", "new", "kept")
    assert client.patch(path, json={"badge": {"revision": 1, "title": "Again"}}).status_code == 409
    assert client.get(path).json()["badge"]["title"] == "New"
    assert client.patch(path, json={}).status_code == 400


def test_cursor_walk_carries_filter_and_sort(client: TestClient) -> None:
    made = [make(client, f"t{letter}")["id"] for letter in "cab"]
    make(client, "other")
    q = {"filter": {"id": {"$in": made}}, "sort": [{"fieldName": "title"}], "cursorPaging": {"limit": 2}}
    first = query(client, B4, **q)
    assert [b["title"] for b in first["badges"]] == ["ta", "tb"] and first["pagingMetadata"]["hasNext"]
    rest = query(client, B4, cursorPaging={"cursor": first["pagingMetadata"]["cursors"]["next"]})
    assert [b["title"] for b in rest["badges"]] == ["tc"] and not rest["pagingMetadata"]["hasNext"]
    assert client.post(f"{B4}/query", json={"query": {"cursorPaging": {"limit": 101}}}).status_code == 400


def test_sdk_offset_paging_reports_total(client: TestClient) -> None:
    for title in ("a", "b", "c"):
        make(client, title)
    page = query(client, B4, paging={"offset": 1, "limit": 1}, sort=[{"fieldName": "title", "order": "ASC"}])
    assert [b["title"] for b in page["badges"]] == ["b"]
    assert page["pagingMetadata"]["total"] == 3


def test_filters_intersection_and_case_insensitive_starts_with(client: TestClient) -> None:
    gold = make(client, "Gold", description="shiny", permissionsEnabled=True)
    make(client, "Silver")
    assert [b["id"] for b in query(client, B4, filter={"title": {"$startsWith": "gO"}})["badges"]] == [gold["id"]]
    assert [b["id"] for b in query(client, B4, filter={"description": {"$exists": True}})["badges"]] == [gold["id"]]
    assert len(query(client, B4, filter={"title": {"$ne": "Gold"}})["badges"]) == 1
    assert client.post(f"{B4}/query", json={"query": {"filter": {"createdDate": "x"}}}).status_code == 400


def test_move_and_order(client: TestClient) -> None:
    a, b, c = (make(client, t)["id"] for t in "abc")
    assert client.post(f"{B4}/{c}/move", json={"position": "FIRST"}).json() == {}
    assert [x["id"] for x in query(client, B4)["badges"]] == [c, a, b]
    assert client.post(f"{B4}/{a}/move", json={"position": "AFTER", "moveAfterBadgeId": b}).status_code == 200
    assert [x["id"] for x in query(client, B4)["badges"]] == [c, b, a]
    assert client.post(f"{B4}/{a}/move", json={"position": "AFTER"}).status_code == 400
    order = client.post(f"{B4}/order", json={"ids": [a, b, c]})
    assert [x["id"] for x in order.json()["badges"]] == [a, b, c]
    assert client.post(f"{B4}/order", json={"ids": []}).status_code == 400


def test_v3_and_v4_share_badges_and_assignments(client: TestClient) -> None:
    v3 = client.post(V3, json={"badge": {"title": "From v3", "icon": "https://x/i.svg"}}).json()["badge"]
    seen = client.get(f"{B4}/{v3['id']}").json()["badge"]
    assert (seen["title"], seen["backgroundColor"], seen["revision"], seen["icon"]) == (
        "From v3", "#796EFF", "1", {"url": "https://x/i.svg"})
    client.post(f"{V3}/{v3['id']}/members", json={"memberIds": [M1]})
    [doc] = query(client, A4, filter={"badgeId": v3["id"]})["badgeAssignments"]
    assert doc["memberId"] == M1
    v4 = make(client, "From v4")
    assign(client, v4["id"], M2)
    assert client.get(f"{V3}/{v4['id']}/members").json()["memberIds"] == [M2]
    client.delete(f"{V3}/{v3['id']}/members", params={"memberIds": M1})
    assert query(client, A4, filter={"badgeId": v3["id"]})["badgeAssignments"] == []


def test_deleting_a_badge_removes_its_assignments(client: TestClient) -> None:
    badge = make(client, "Doomed")
    assign(client, badge["id"], M1)
    assert client.delete(f"{B4}/{badge['id']}").json() == {}
    assert client.get(f"{B4}/{badge['id']}").status_code == 404
    assert query(client, A4, filter={"badgeId": badge["id"]})["badgeAssignments"] == []


def test_assignment_create_duplicates_and_unknown_badge(client: TestClient) -> None:
    badge = make(client, "B")
    first = assign(client, badge["id"], M1)
    assert first["id"] not in (badge["id"], M1)
    assert assign(client, badge["id"], M1)["id"] == first["id"]  # AMB4-12: the existing one
    missing = client.post(A4, json={"badgeAssignment": {"badgeId": UNKNOWN, "memberId": M1}})
    assert missing.status_code == 404
    assert client.post(A4, json={"badgeAssignment": {"badgeId": badge["id"], "memberId": "x"}}).status_code == 400


def test_bulk_create_and_delete_per_item(client: TestClient) -> None:
    badge = make(client, "Bulk")
    items = [{"badgeId": badge["id"], "memberId": m} for m in (M1, M2)]
    plain = client.post(f"{BULK}/create", json={"badgeAssignments": items}).json()
    assert plain["bulkActionMetadata"]["totalSuccesses"] == 2 and all("item" not in r for r in plain["results"])
    ids = [r["itemMetadata"]["id"] for r in plain["results"]]
    deleted = client.post(f"{BULK}/delete", json={"badgeAssignmentIds": [ids[0], UNKNOWN]}).json()
    assert [r["itemMetadata"]["success"] for r in deleted["results"]] == [True, False]
    assert deleted["results"][1]["itemMetadata"]["error"]["code"] == "NOT_FOUND"
    assert client.post(f"{BULK}/create", json={"badgeAssignments": []}).status_code == 400


def test_tags_assign_wins_and_alias_paths(client: TestClient) -> None:
    badge = make(client, "Tags")
    doc = assign(client, badge["id"], M1, prefix="/badges/v4/badge-assignments")
    body = {"ids": [doc["id"]], "assignTags": {"tags": {"tagIds": ["a", "b"]}},
            "unassignTags": {"tags": {"tagIds": ["b"]}}}
    assert client.post("/badges/v4/bulk/badge-assignments/bulk-update-tags", json=body).status_code == 200
    [stored] = query(client, A4, filter={"badgeId": badge["id"]})["badgeAssignments"]
    assert stored["tags"]["tags"]["tagIds"] == ["a", "b"]
    job = client.post(f"{BULK}/update-tags-by-filter", json={"filter": {}, "assignTags": {"tags": {"tagIds": ["c"]}}})
    assert len(job.json()["jobId"]) == 36
    too_many = {"ids": [doc["id"]], "assignTags": {"tags": {"tagIds": [str(i) for i in range(101)]}}}
    assert client.post(f"{BULK}/bulk-update-tags", json=too_many).status_code == 400


@pytest.mark.parametrize("fault", ["badge4-colors-required", "badge4-revision-required", "assign4-duplicate-409"])
def test_correct_readings_answer_400_or_409(fault: str) -> None:
    with client_with(fault) as c:
        badge = make(c, "alt")
        if fault == "badge4-colors-required":
            assert c.post(B4, json={"badge": {"title": "no colors"}}).status_code == 400
        elif fault == "badge4-revision-required":
            assert c.patch(f"{B4}/{badge['id']}", json={"badge": {"title": "x"}}).status_code == 400
        else:
            assign(c, badge["id"], M1)
            again = c.post(A4, json={"badgeAssignment": {"badgeId": badge["id"], "memberId": M1}})
            assert again.status_code == 409
