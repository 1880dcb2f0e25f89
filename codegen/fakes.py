"""Render the typed fakes of `taskcluster_sdk.testing`: one per service of each platform.

Each API method becomes a call record (`<Method>Call`, a frozen dataclass of
its path and query arguments and its parsed payload) and a typed accessor
`FakeMethod[<Method>Call, <output>]` on the service's fake (`FakeQueue`).
The method views are the clients' own (`render.service_view`), so a fake
always has the same arguments, payload and answer types as its client.
Both platforms render through the same two templates; a `FakeLayout` says
where each platform's fakes live and how users reach them.
"""

from __future__ import annotations

from dataclasses import dataclass

import jinja2

from codegen import naming
from codegen.model import Platform, PlatformName
from codegen.render import MethodView, ModelIndexLike, service_view

# The package the fakes belong to, whichever platform they fake.
SDK = "taskcluster_sdk"


@dataclass(frozen=True)
class FakeLayout:
    """Where one platform's fakes are generated and how a test reaches them."""

    directory: str  # inside the package directory, owned by generation
    container: str  # the class holding one lazily built fake per service
    accessor: str  # prefix of a fake's attribute path on FakeTaskcluster ("" or "legacy.")
    client_prefix: str  # how docstrings name the clients ("" or "legacy.")
    routes: str  # where the deployment answers for a service (docstring)

    @property
    def module_package(self) -> str:
        return f"{SDK}.{self.directory.replace('/', '.')}"


LAYOUTS: dict[PlatformName, FakeLayout] = {
    "current": FakeLayout("testing/services", "FakeServices", "", "", "`/api/<name>/v1/...`"),
    # `/legacy-2014/...` never starts a current-platform route (`/api/...`).
    "legacy": FakeLayout(
        "testing/legacy",
        "FakeLegacyServices",
        "legacy.",
        "legacy.",
        "`/legacy-2014/<name>/v1/...`: `FakeTaskcluster.legacy_base_url(name)`",
    ),
}

# What generation owns inside the package directory.
PACKAGE_DIRS = tuple(layout.directory for layout in LAYOUTS.values())


@dataclass(frozen=True)
class FakeMethodView:
    method: MethodView
    call_class: str
    payload_type: str | None  # the record's `payload` annotation
    unwrap_input: bool
    args: tuple[tuple[str, str, str], ...]  # name, kind, annotation
    query: tuple[tuple[str, str, str], ...]
    scopes: str  # the scope expression as a Python literal ("None" without one)

    @property
    def output(self) -> str:
        return self.method.returns


@dataclass(frozen=True)
class FakeServiceView:
    class_name: str  # FakeQueue
    client_class: str  # Queue
    client_ref: str  # Queue, legacy.Queue: how docstrings name the client
    accessor: str  # queue, legacy.queue: the fake's attribute path on FakeTaskcluster
    platform: PlatformName
    name: str
    api_version: str
    module: str
    title: str
    models_package: str
    methods: tuple[FakeMethodView, ...]

    @property
    def model_imports(self) -> tuple[str, ...]:
        names: set[str] = set()
        for fake in self.methods:
            for name in (fake.method.input_class, fake.payload_type, fake.method.returns):
                if name and name != "None":
                    names.add(name)
        return tuple(sorted(names))


_KINDS = {"int": "int", "bool": "bool", "str": "str"}


def _arg(name: str) -> tuple[str, str, str]:
    # Path values arrive as text; runIds are numbers on the wire and in records.
    kind = "int" if name in naming.INT_OR_STR_ARGS else "str"
    return (name, kind, kind)


def _query(name: str) -> tuple[str, str, str]:
    kind = _KINDS.get(naming.query_type(name), "str")
    return (name, kind, f"{kind} | None")


def fake_views(
    platform: Platform, index: ModelIndexLike, models_package: str
) -> list[FakeServiceView]:
    layout = LAYOUTS[platform.name]
    views: list[FakeServiceView] = []
    for service in sorted(platform.services, key=lambda s: s.module):
        view = service_view(service, index, models_package)
        methods: list[FakeMethodView] = []
        for method, source in zip(view.methods, service.methods, strict=True):
            union = index.union(source.input) if source.input else None
            payload_type = union[0] if union else method.input_class
            methods.append(
                FakeMethodView(
                    method=method,
                    call_class=naming.pascal(method.name) + "Call",
                    payload_type=payload_type,
                    unwrap_input=union is not None,
                    args=tuple(_arg(arg.name) for arg in method.args),
                    query=tuple(_query(q.name) for q in method.query),
                    scopes=repr(source.scope_expression),
                )
            )
        views.append(
            FakeServiceView(
                class_name="Fake" + service.class_name,
                client_class=service.class_name,
                client_ref=layout.client_prefix + service.class_name,
                accessor=layout.accessor + service.module,
                platform=platform.name,
                name=service.name,
                api_version=service.api_version,
                module=service.module,
                title=service.title,
                models_package=view.models_package,
                methods=tuple(methods),
            )
        )
    return views


def render_fakes(
    env: jinja2.Environment, platform: Platform, index: ModelIndexLike, package: str
) -> dict[str, str]:
    """Path (relative to the top package directory) -> text of every fake module of `platform`.

    `package` is the platform's client package (`taskcluster_sdk`,
    `taskcluster_sdk.legacy`), whose `models` type the fakes.
    """
    layout = LAYOUTS[platform.name]
    views = fake_views(platform, index, f"{package}.models")
    service_template = env.get_template("fake_service.py.j2")
    files = {
        f"{layout.directory}/{view.module}.py": service_template.render(fake=view, sdk=SDK)
        for view in views
    }
    files[f"{layout.directory}/__init__.py"] = env.get_template("fake_services_init.py.j2").render(
        services=views, layout=layout, sdk=SDK
    )
    return files
