"""The generator's internal model: one shape for both API generations.

`codegen.load` turns the checked-in references (current platform and the 2014
platform) into these frozen dataclasses; everything after loading (model
generation, rendering) sees only this model, so the differences between the
two formats live in the loader alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

PlatformName = Literal["current", "legacy"]


@dataclass(frozen=True)
class Method:
    """One API entry (`type: function`)."""

    name: str  # API name, used verbatim as the Python method name (createTask)
    title: str
    description: str
    method: str  # upper-case HTTP method
    route: str  # with <arg> placeholders
    args: tuple[str, ...]  # route arguments, in route order
    query: tuple[str, ...]
    input: str | None  # normalised schema id, e.g. /schemas/queue/v1/create-task-request.json#
    output: str | None
    scopes: str | None  # human-readable scope expression, already rendered
    stability: str  # stable / experimental / deprecated
    category: str | None
    # The scope expression as JSON data, in the current form (the fakes check it).
    scope_expression: object = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class RoutingKeyField:
    name: str
    summary: str
    constant: str | None
    required: bool
    multiple_words: bool
    max_size: int | None


@dataclass(frozen=True)
class Exchange:
    """One Pulse exchange (`type: topic-exchange`)."""

    name: str  # binding method name (taskCompleted)
    exchange: str  # exchange suffix (task-completed)
    title: str
    description: str
    routing_key: tuple[RoutingKeyField, ...]
    schema: str  # normalised schema id of the message


@dataclass(frozen=True)
class Service:
    """An API reference: one client class pair."""

    name: str  # service name: queue, purge-cache
    class_name: str  # Queue, PurgeCache
    api_version: str  # v1
    title: str
    description: str
    base_url: str | None  # 2014 platform default baseUrl; None for the current platform
    methods: tuple[Method, ...]
    source: Path  # the reference file, for error messages

    @property
    def module(self) -> str:
        return self.name.replace("-", "_")


@dataclass(frozen=True)
class ExchangeService:
    """An exchange reference: one events class."""

    name: str  # service name: queue
    class_name: str  # QueueEvents
    api_version: str
    title: str
    description: str
    exchange_prefix: str  # exchange/taskcluster-queue/v1/ or queue/v1/
    exchanges: tuple[Exchange, ...]
    source: Path

    @property
    def module(self) -> str:
        return self.name.replace("-", "_")


@dataclass(frozen=True)
class Schema:
    """A JSON schema, with its id normalised to /schemas/<service>/<version>/<name>.json#."""

    id: str
    service: str  # owning service directory (queue, common, ...)
    document: dict[str, object] = field(repr=False, compare=False, hash=False)
    source: Path = field(compare=False)


@dataclass(frozen=True)
class Platform:
    name: PlatformName
    services: tuple[Service, ...]
    exchange_services: tuple[ExchangeService, ...]
    schemas: dict[str, Schema]  # by normalised id

    @property
    def package(self) -> str:
        """Python package the platform renders into, relative to taskcluster_sdk."""
        return "" if self.name == "current" else "legacy"
