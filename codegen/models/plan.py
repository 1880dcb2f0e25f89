"""Where every schema goes: service package, module name and root class name.

`list-lastFires-response.json` of purge-cache becomes module
`purge_cache/list_last_fires_response.py` with root class
`ListLastFiresResponse`. Collisions are errors, not silent renames.
"""

from __future__ import annotations

import keyword
import re
from collections import defaultdict
from dataclasses import dataclass

from codegen.errors import GeneratorError
from codegen.model import Platform, Schema

# Meta-schemas describe JSON schema itself and point at the remote draft-06
# meta-schema: generating them needs the network and gives nothing useful.
EXCLUDED_SCHEMAS = frozenset(
    {"/schemas/common/metaschema.json#", "/schemas/common/metadata-metaschema.json#"}
)


# Root classes named from the schema's meaning where the file name says too
# little (`docker-worker/v1/payload.json` is not just any `Payload`).
ROOT_NAMES = {
    "/schemas/docker-worker/v1/payload.json#": "DockerWorkerPayload",
    "/schemas/generic-worker/multiuser_windows.json#": "MultiuserWindowsPayload",
    "/schemas/worker-manager/v1/config-aws.json#": "AwsProviderConfig",
    "/schemas/worker-manager/v1/config-azure.json#": "AzureProviderConfig",
    "/schemas/worker-manager/v1/config-google.json#": "GoogleProviderConfig",
    "/schemas/worker-manager/v1/config-static.json#": "StaticProviderConfig",
    "/schemas/worker-manager/v1/config-null.json#": "NullProviderConfig",
    "/schemas/worker-manager/v1/config-testing.json#": "TestingProviderConfig",
    "/schemas/queue/v1/taskqueue-response.json#": "TaskQueueResponse",
    "/schemas/queue/v1/list-taskqueues-response.json#": "ListTaskQueuesResponse",
    "/schemas/queue/v1/list-workertypes-response.json#": "ListWorkerTypesResponse",
    "/schemas/queue/v1/workertype-response.json#": "WorkerTypeResponse",
    "/schemas/queue/v1/update-workertype-request.json#": "UpdateWorkerTypeRequest",
    "/schemas/common/values.schema.json#": "TaskclusterConfigurationValues",
}

# Enums named from the schema's meaning where the owner class and field name
# give a generic `<Parent><Word>` (`StatusState`, `TypeLevel`): one entry
# names the enum everywhere it is used (an enum is its service and values).
# Key: (module key, class that has the field, field) as generated.
ENUM_NAMES = {
    # "Create a commit status on GitHub."
    ("github.create_status", "CreateStatus", "state"): "CommitStatusState",
    # "the syslog level that this log will write at"
    ("common.logs_reference_v0", "LogsReferenceV0Type", "level"): "LogLevel",
    # the stability of a provisioner, a worker type, a task queue
    ("queue.taskqueue_response", "TaskQueueResponse", "stability"): "TaskQueueStability",
    # getWorker / listWorkers: "standalone" workers are known only by the queue
    ("worker_manager.worker_response", "WorkerResponse", "state"): "WorkerState",
    # worker / createWorker / updateWorker: workers worker-manager manages
    ("worker_manager.worker_full", "WorkerFull", "state"): "ManagedWorkerState",
    ("github.render_taskcluster_yml_input", "IssueCommentEvents", "action"): "IssueCommentAction",
    ("github.render_taskcluster_yml_input", "PullRequestEvents", "action"): "PullRequestAction",
    ("github.render_taskcluster_yml_input", "PullRequestEvents", "type"): "PullRequestEventType",
    ("github.webhook_ping_payload", "Hook", "type"): "GithubWebhookType",
    # GitHub's pull requests are issues: both are "open" or "closed"
    ("github.webhook_pull_request_payload", "PullRequest", "state"): "IssueState",
    ("github.taskcluster_github_config_v1", "Policy", "pullRequests"): "PullRequestPolicy",
    ("worker_manager.azure_arm_templates", "ExpressionEvaluationOptions", "scope"): (
        "ExpressionEvaluationScope"
    ),
    ("worker_manager.azure_arm_templates", "DebugSetting", "detailLevel"): "DebugDetailLevel",
    ("auth.github_repo_token_request", "Permissions", "contents"): "GithubPermissionAccess",
    ("auth.github_repo_token_request", "Permissions", "repository_projects"): (
        "GithubProjectsPermissionAccess"
    ),
    ("hooks.list_last_fires_response", "ListLastFiresResponseLastFire", "firedBy"): "HookFiredBy",
    ("hooks.list_last_fires_response", "ListLastFiresResponseLastFire", "result"): "HookFireResult",
    ("hooks.list_last_fires_response", "ListLastFiresResponseLastFire", "taskState"): (
        "HookFireTaskState"
    ),
    ("common.api_reference_v0", "ApiReferenceV0Entry", "method"): "ApiEntryMethod",
    ("common.api_reference_v0", "ApiReferenceV0Entry", "stability"): "ApiEntryStability",
    ("generic_worker.insecure_posix", "InsecurePosixPayload", "taskclusterProxyInterface"): (
        "TaskclusterProxyInterface"
    ),
    ("common.values_schema", "TaskclusterConfigurationValues", "skipResourceTypes"): (
        "SkippedResourceType"
    ),
}


@dataclass(frozen=True)
class Plan:
    """Where one schema goes."""

    schema: Schema
    package: str  # service package directory, e.g. purge_cache
    module: str  # module name inside it, e.g. list_last_fires_response
    root_name: str  # public root class name, e.g. ListLastFiresResponse

    @property
    def stage_path(self) -> str:
        return f"{self.package}/{self.module}.json"

    @property
    def source_ref(self) -> str:
        """How datamodel-code-generator's metadata names this schema's root."""
        return f"{self.stage_path}#"


def snake_case(name: str) -> str:
    """`list-lastFires-response` -> `list_last_fires_response`."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    snake = re.sub(r"[^A-Za-z0-9]+", "_", spaced).strip("_").lower()
    if not snake or snake[0].isdigit() or keyword.iskeyword(snake):
        snake = f"schema_{snake}"
    return snake


def pascal_case(name: str) -> str:
    """`task-claim-response` / `list-lastFires-response` -> `TaskClaimResponse` / `ListLastFiresResponse`."""
    parts = re.split(r"[^A-Za-z0-9]+", name)
    pascal = "".join(part[:1].upper() + part[1:] for part in parts if part)
    if not pascal or pascal[0].isdigit():
        pascal = f"Schema{pascal}"
    return pascal


def plan_modules(platform: Platform) -> list[Plan]:
    """Choose package, module and root class name of every schema; reject collisions."""
    plans: list[Plan] = []
    versions: dict[str, dict[str, str]] = defaultdict(dict)
    taken: dict[tuple[str, str], str] = {}
    for schema_id in sorted(platform.schemas):
        if schema_id in EXCLUDED_SCHEMAS:
            continue
        schema = platform.schemas[schema_id]
        match = re.fullmatch(r"/schemas/([^/]+)/(?:([^/]+)/)?([^/]+)\.json#", schema_id)
        if match is None:
            raise GeneratorError(
                f"schema id {schema_id!r} is not of the form /schemas/<service>/<version>/<name>.json#",
                file=schema.source,
            )
        service, version, stem = match.groups()
        package = snake_case(service)
        other = versions[package].setdefault(version or "", schema_id)
        if len(versions[package]) > 1:
            raise GeneratorError(
                f"service {service!r} has schemas of more than one version ({other} and {schema_id});"
                " the model layout has one package per service",
                file=schema.source,
            )
        plan = Plan(schema, package, snake_case(stem), ROOT_NAMES.get(schema_id, pascal_case(stem)))
        for kind, name in (("module", plan.module), ("class", plan.root_name)):
            if (clash := taken.setdefault((package, kind + ":" + name), schema_id)) != schema_id:
                raise GeneratorError(
                    f"schemas {clash} and {schema_id} both map to the {kind} name {name!r}",
                    file=schema.source,
                )
        plans.append(plan)
    return plans
