"""The route table of Loyalty Rewards v1."""

from __future__ import annotations

from starlette.routing import Route

from conformance.reference.http import Context
from conformance.reference.rewards.handlers import (
    bulk_create,
    bulk_get,
    create_reward,
    delete_reward,
    get_reward,
    list_rewards,
    query_rewards,
    update_reward,
)
from conformance.reference.rewards.model import PREFIX
from conformance.reference.rewards.wire import errors_reworded


def routes(ctx: Context) -> list[Route]:
    """The endpoints, each wrapped by the error-rewording alternative reading when it is switched on."""
    table = [
        (f"{PREFIX}/rewards", list_rewards, "GET"),
        (f"{PREFIX}/rewards", create_reward, "POST"),
        (f"{PREFIX}/rewards/query", query_rewards, "POST"),
        (f"{PREFIX}/bulk/rewards/create", bulk_create, "POST"),
        (f"{PREFIX}/bulk/rewards", bulk_get, "GET"),
        (f"{PREFIX}/rewards/{{reward_id}}", get_reward, "GET"),
        (f"{PREFIX}/rewards/{{reward_id}}", update_reward, "PUT"),
        (f"{PREFIX}/rewards/{{reward_id}}", delete_reward, "DELETE"),
    ]
    return [Route(path, errors_reworded(ctx, handler), methods=[method]) for path, handler, method in table]


def serves_anonymously(ctx: Context, method: str, path: str) -> bool:
    """Whether a request without credentials is served (only a fault variant says yes; COMMON-9)."""
    return ctx.fault("reward-list-public") and method == "GET" and path == f"{PREFIX}/rewards"
