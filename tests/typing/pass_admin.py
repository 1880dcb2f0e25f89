"""An admin script: roles, clients, hooks, worker pools."""

from __future__ import annotations

from typing_extensions import assert_type

from taskcluster_sdk import Auth, Hooks, MissingFieldError, WorkerManager
from taskcluster_sdk.models.auth import GetRoleResponse, ListRolesResponse
from taskcluster_sdk.models.hooks import TriggeredTask
from taskcluster_sdk.models.worker_manager import (
    AwsProviderConfig,
    WorkerPoolConfig,
    WorkerPoolFull,
)


def audit(auth: Auth) -> dict[str, list[str]]:
    roles = auth.listRoles()
    assert_type(roles, ListRolesResponse)
    scopes: dict[str, list[str]] = {}
    for role in roles:
        assert_type(role, GetRoleResponse)
        scopes[role.roleId] = role.scopes
    print(len(roles), roles[0].roleId)
    auth.createRole("project:x:*", {"description": "x", "scopes": ["queue:create-task:*"]})
    return scopes


def trigger(hooks: Hooks) -> str | None:
    answer = hooks.triggerHook("group", "hook", {"any": "context"})
    assert_type(answer, TriggeredTask)
    # no isinstance needed, and a str is a str: a hook whose template made no
    # task answers `{}`, whose taskId raises MissingFieldError when read
    assert_type(answer.taskId, str)
    if "taskId" not in answer.model_fields_set:
        return None
    try:
        return answer.taskId
    except MissingFieldError as error:
        assert_type(error.field, str)
        return None


def pools(wm: WorkerManager) -> None:
    pool = wm.workerPool("proj/linux")
    assert_type(pool, WorkerPoolFull)
    config: WorkerPoolConfig = AwsProviderConfig.model_construct()
    print(config)
