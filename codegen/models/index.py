"""What the renderer learns about the generated models."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from codegen.errors import GeneratorError


@dataclass(frozen=True)
class ModelRef:
    """Where the root class of a schema is importable from."""

    module: str  # the service's model package, e.g. taskcluster_sdk.models.queue
    name: str  # public class name, e.g. TaskClaimResponse


@dataclass(frozen=True)
class ModelIndex:
    """What the renderer needs to know about the generated models."""

    refs: Mapping[str, ModelRef]
    items: Mapping[str, Mapping[str, str]] = field(default_factory=dict[str, Mapping[str, str]])
    # schema id -> (union type alias, variant classes with the fallback last),
    # for root classes over a tagged union (`ArtifactContentResponse`).
    unions: Mapping[str, tuple[str, tuple[str, ...]]] = field(
        default_factory=dict[str, tuple[str, tuple[str, ...]]]
    )

    # schema id -> TypedDict of its root class (input schemas that are not free-form)
    dicts: Mapping[str, str] = field(default_factory=dict[str, str])

    def typed_dict(self, schema_id: str) -> str | None:
        """The `<Root>Dict` TypedDict of an input schema, if it has one."""
        self.ref(schema_id)
        return self.dicts.get(schema_id)

    def union(self, schema_id: str) -> tuple[str, tuple[str, ...]] | None:
        """The union alias and variants of a schema whose root is a tagged union."""
        self.ref(schema_id)
        return self.unions.get(schema_id)

    def ref(self, schema_id: str) -> ModelRef:
        """The root class of a schema, by normalised id (`/schemas/queue/v1/task.json#`)."""
        try:
            return self.refs[schema_id]
        except KeyError:
            raise GeneratorError(f"no model was generated for schema {schema_id}") from None

    def array_items(self, schema_id: str) -> dict[str, str]:
        """Top-level array properties of a schema: property name -> item type.

        Each type is a builtin expression (`str`, `dict[str, Any]`: the
        renderer imports `Any`) or a class exported by the schema's service
        model package (`ListTaskGroupResponse` -> `{"tasks": "TaskDefinitionAndStatus"}`).
        """
        self.ref(schema_id)
        return dict(self.items.get(schema_id, {}))
