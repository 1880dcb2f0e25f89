"""Render `taskcluster_sdk.testing.services`: one typed fake per service (issue 14).

Each API method becomes a call record (`<Method>Call`, a frozen dataclass of
its path and query arguments and its parsed payload) and a typed accessor
`FakeMethod[<Method>Call, <output>]` on the service's fake (`FakeQueue`).
The method views are the clients' own (`render.service_view`), so a fake
always has the same arguments, payload and answer types as its client.
"""

from __future__ import annotations

from dataclasses import dataclass

import jinja2

from codegen import naming
from codegen.model import Platform
from codegen.render import MethodView, ModelIndexLike, service_view

# Where the fakes live inside the package directory (owned by generation).
PACKAGE_DIR = "testing/services"


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
    name: str
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
                name=service.name,
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
    """Relative path (under the package directory) -> text of every fake module."""
    views = fake_views(platform, index, f"{package}.models")
    service_template = env.get_template("fake_service.py.j2")
    files = {
        f"{PACKAGE_DIR}/{view.module}.py": service_template.render(fake=view, package=package)
        for view in views
    }
    files[f"{PACKAGE_DIR}/__init__.py"] = env.get_template("fake_services_init.py.j2").render(
        services=views, package=package
    )
    return files
