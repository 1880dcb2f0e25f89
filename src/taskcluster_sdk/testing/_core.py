"""What every generated fake is made of: method specs, call records, method accessors.

The generated modules (`testing/services/<svc>.py`, `testing/legacy/<svc>.py`)
describe each API method with a `MethodSpec` and expose it as a
`FakeMethod[<Method>Call, <Output>]`; everything below is plain logic
without I/O (requests and replies are `_http.py`'s, the server and the
in-process transport are the edges, `_deployment.py` the dispatcher).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar, cast
from urllib.parse import unquote

from .._errors import APIError, TaskclusterError
from ._http import FakeAPIError, ReceivedRequest

if TYPE_CHECKING:
    import pydantic

__all__ = [
    "FakeCall",
    "FakeMethod",
    "FakeService",
    "MethodSpec",
    "NoAnswerError",
    "UnknownServiceError",
    "dump_output",
]

ArgKind = Literal["str", "int", "bool"]


class NoAnswerError(Exception):
    """The method has no answer (neither programmed nor from the stateful queue)."""


class UnknownServiceError(TaskclusterError, KeyError):
    """A service name the fake deployment has no fake of (`tc.service(name)`, `tc.legacy_base_url(name)`)."""

    def __init__(self, name: str, known: Sequence[str]) -> None:
        super().__init__(name)
        self.name: str = name
        self.message: str = f"no fake service {name!r}; the services are: {', '.join(known)}"

    def __str__(self) -> str:
        # KeyError's own str() is the repr of its argument.
        return self.message


@dataclass(frozen=True, slots=True, kw_only=True)
class FakeCall:
    """Base of the generated call records (`CreateTaskCall`, ...): what the code under test sent."""

    request: ReceivedRequest
    """The raw request (method, path, query, headers, body)."""
    client_id: str | None
    """The Hawk `id` the request was signed with (`None` when unsigned)."""


CallT = TypeVar("CallT", bound=FakeCall)
OutputT = TypeVar("OutputT")

Handler = Callable[[CallT], OutputT]


@dataclass(frozen=True, slots=True)
class MethodSpec:
    """One API method as the fake serves it (generated)."""

    name: str
    http_method: str
    route: str
    args: tuple[tuple[str, ArgKind], ...]
    query: tuple[tuple[str, ArgKind], ...]
    input_model: type[pydantic.BaseModel] | None = None
    unwrap_input: bool = False  # the input schema is a union: records hold the variant
    has_output: bool = True
    scopes: Any = None
    """The reference's scope expression (strings, `AllOf`, `AnyOf`, `for`/`in`/`each`)."""
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regex = re.escape(self.route)
        for index, (name, _) in enumerate(self.args):
            last = index == len(self.args) - 1 and self.route.endswith(f"<{name}>")
            # Artifact names hold `/`; clients send it as %2F, curl users may not.
            group = ".+" if last and name == "name" else "[^/]+"
            regex = regex.replace(re.escape(f"<{name}>"), f"(?P<{name}>{group})")
        object.__setattr__(self, "pattern", re.compile(f"^{regex}$"))

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method != self.http_method:
            return None
        found = self.pattern.match(path)
        if found is None:
            return None
        return {name: unquote(value) for name, value in found.groupdict().items()}


def _convert(kind: ArgKind, name: str, value: str) -> Any:
    if kind == "int":
        if not value.isdigit():
            raise FakeAPIError(400, "InvalidRequestArguments", f"{name} must be an integer")
        return int(value)
    if kind == "bool":
        if value not in ("true", "false"):
            raise FakeAPIError(400, "InvalidRequestArguments", f"{name} must be true or false")
        return value == "true"
    return value


class FakeMethod(Generic[CallT, OutputT]):
    """The fake of one API method: program its answer, read what it received.

    * `returns(value)`: answer every call with `value` (a model of the
      method's output; `None` for methods without output);
    * `handle(fn)`: answer with `fn(call)`, where `call` is the typed record
      (path and query arguments, `payload` as a model); `fn` may raise
      `FakeAPIError` (usable as a decorator);
    * `raises(status, code, message)`: answer with a Taskcluster error;
    * `calls`: the records of every call received, in order.

    The latest programming wins; `reset()` forgets it and the calls. A
    method neither programmed nor served by the stateful queue answers 501.
    """

    def __init__(self, service: str, spec: MethodSpec, call_class: type[CallT]) -> None:
        self.service = service
        self.spec = spec
        self._call_class = call_class
        self._lock = threading.Lock()
        self._calls: list[CallT] = []
        self._answer: Callable[[CallT], Any] | None = None
        self._default: Callable[[CallT], Any] | None = None

    def __repr__(self) -> str:
        return f"<FakeMethod {self.service}.{self.spec.name}>"

    @property
    def name(self) -> str:
        """`queue.createTask`, `legacy.queue.createTask`."""
        return f"{self.service}.{self.spec.name}"

    @property
    def calls(self) -> list[CallT]:
        """A copy of the records of the calls received so far."""
        with self._lock:
            return list(self._calls)

    @property
    def last_call(self) -> CallT:
        """The latest record; `AssertionError` when the method was never called."""
        with self._lock:
            if not self._calls:
                raise AssertionError(f"{self.name} was not called")
            return self._calls[-1]

    @property
    def programmed(self) -> bool:
        """Whether this method has an answer (programmed, or from the stateful queue)."""
        return self._answer is not None or self._default is not None

    def returns(self, value: OutputT, *then: OutputT) -> None:
        """Answer with `value`; with more values, answer them in turn (the last one repeats).

        `tc.queue.claimWork.returns(one_task, no_tasks)`: the first claim gets
        a task, every later one none.
        """
        answers = [value, *then]
        lock = threading.Lock()

        def next_answer(call: CallT) -> OutputT:
            with lock:
                return answers.pop(0) if len(answers) > 1 else answers[0]

        self._answer = next_answer

    def handle(self, handler: Handler[CallT, OutputT]) -> Handler[CallT, OutputT]:
        """Answer with `handler(call)`; returns `handler`, so it works as a decorator."""
        self._answer = handler
        return handler

    def raises(
        self, status: int | type[APIError], code: str | None = None, message: str | None = None
    ) -> None:
        """Answer every call with a Taskcluster error (see `FakeAPIError`)."""
        error = FakeAPIError(status, code, message)

        def fail(call: CallT) -> OutputT:
            raise error

        self._answer = fail

    def reset(self) -> None:
        """Forget the programmed answer and the recorded calls (the stateful default stays)."""
        with self._lock:
            self._answer = None
            self._calls.clear()

    # -- used by the dispatcher ------------------------------------------------

    def set_default(self, handler: Callable[[CallT], Any] | None) -> None:
        """The answer when nothing is programmed (the stateful queue's)."""
        self._default = handler

    def make_call(
        self, request: ReceivedRequest, client_id: str | None, params: Mapping[str, str]
    ) -> tuple[CallT, Any]:
        """Parse the request into its typed record (raises `FakeAPIError` for bad input)."""
        values: dict[str, Any] = {}
        for name, kind in self.spec.args:
            values[name] = _convert(kind, name, params[name])
        for name, kind in self.spec.query:
            raw = request.query.get(name)
            values[name] = None if raw is None else _convert(kind, name, raw)
        payload_json: Any = None
        model = self.spec.input_model
        if model is not None:
            payload_json = parse_body(request.body)
            values["payload"] = parse_payload(model, payload_json, self.spec.unwrap_input)
        call = self._call_class(request=request, client_id=client_id, **values)
        return call, payload_json

    def record(self, call: CallT) -> None:
        with self._lock:
            self._calls.append(call)

    def answer(self, call: CallT) -> Any:
        """The handler's result; raises `FakeAPIError`, or `NoAnswerError` when unprogrammed."""
        handler = self._answer or self._default
        if handler is None:
            raise NoAnswerError(self.name)
        return handler(call)


def parse_body(body: bytes) -> Any:
    if not body:
        return {}
    try:
        return json.loads(body)
    except ValueError:
        raise FakeAPIError(
            400, "MalformedPayload", "Failed to parse the request body as JSON"
        ) from None


def parse_payload(model: type[pydantic.BaseModel], value: Any, unwrap: bool) -> Any:
    """Check `value` against the method's schema as the service does, then parse it."""
    from .._errors import PayloadValidationError  # noqa: PLC0415
    from .._payload import validate_payload  # noqa: PLC0415 -- jsonschema-rs on first payload

    try:
        validate_payload(value, model)
    except PayloadValidationError as error:
        # The services' wording: `data/<path> <problem>` under the rejecting schema's id.
        lines = "\n".join(
            f"  * data{'/' + path.replace('.', '/') if path else ''} {problem}"
            for path, problem in error.errors
        )
        schema = cast("tuple[str, str] | None", getattr(model, "__schema__", None))
        raise FakeAPIError(
            400,
            "InputValidationError",
            f"\nSchema Validation Failed!\nRejecting Schema: {schema[1] if schema else model.__name__}\n"
            f"Errors:\n{lines}",
        ) from None
    parsed: Any = model.model_validate(value)
    return parsed.root if unwrap else parsed


def dump_output(value: Any) -> Any:
    """A handler's result as JSON data (models as the services write them)."""
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, Mapping):
        return dict(cast("Mapping[str, Any]", value))
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return [dump_output(item) for item in cast("Sequence[Any]", value)]
    raise TypeError(f"a fake answer must be a model or a mapping, not {type(value).__name__}")


class FakeService:
    """Base of the generated service fakes (`FakeQueue`, ...): its methods by route."""

    service_name: ClassVar[str]
    api_version: ClassVar[str]
    platform: ClassVar[str] = "current"
    """`current`, or `legacy` for the 2014 platform's fakes (`FakeTaskcluster.legacy`)."""

    def __init__(self) -> None:
        self._methods: dict[str, FakeMethod[Any, Any]] = {}

    @property
    def label(self) -> str:
        """How tests and messages name the service: `queue`, `legacy.queue`."""
        if self.platform == "current":
            return self.service_name
        return f"{self.platform}.{self.service_name}"

    def _add(self, spec: MethodSpec, call_class: type[CallT]) -> FakeMethod[CallT, Any]:
        method: FakeMethod[CallT, Any] = FakeMethod(self.label, spec, call_class)
        self._methods[spec.name] = method
        return method

    def methods(self) -> Mapping[str, FakeMethod[Any, Any]]:
        """Every method of the service, by API name."""
        return self._methods

    def route(self, method: str, path: str) -> tuple[FakeMethod[Any, Any], dict[str, str]] | None:
        """The method a request is for, and its decoded path arguments."""
        for fake in self._methods.values():
            params = fake.spec.match(method, path)
            if params is not None:
                return fake, params
        return None

    def reset(self) -> None:
        """Reset every method (`FakeMethod.reset`)."""
        for method in self._methods.values():
            method.reset()
