"""Binding patterns, routing-key parsing and topic matching (no broker needed)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pulse_helpers import (
    TASK_COMPLETED,
    FakeQueueEvents,
    LegacyQueueEvents,
    QueueRoutingKey,
    TaskMessage,
)

from taskcluster_sdk._bindings import (
    MAX_ROUTING_KEY_BYTES,
    Binding,
    EventsBase,
    Exchange,
    RoutingKeyError,
    RoutingKeyField,
    binding_pattern,
    routing_key_matches,
    split_routing_key,
)
from taskcluster_sdk.errors import TaskclusterError

SRC = Path(__file__).parents[1] / "src"


def field(name: str, *, constant: str | None = None, multi: bool = False) -> RoutingKeyField:
    return RoutingKeyField(name=name, constant=constant, required=False, multiple_words=multi)


def test_unfiltered_binding_has_constant_stars_and_hash() -> None:
    binding = FakeQueueEvents().taskCompleted()
    assert binding.exchange == "exchange/taskcluster-queue/v1/task-completed"
    assert binding.routing_key_pattern == "primary.*.*.*.*.*.*.*.*.#"
    assert binding.routing_key_reference == TASK_COMPLETED.routing_key
    assert binding.message_model is TaskMessage
    assert binding.routing_key_model is QueueRoutingKey


def test_given_fields_fill_their_place_and_numbers_become_strings() -> None:
    binding = FakeQueueEvents().taskCompleted(taskId="fN1SbArXTPSVFNUvaOlinQ", runId=0)
    assert binding.routing_key_pattern == "primary.fN1SbArXTPSVFNUvaOlinQ.0.*.*.*.*.*.*.#"
    binding = FakeQueueEvents().taskCompleted(provisionerId="proj-x", reserved="a.b")
    assert binding.routing_key_pattern == "primary.*.*.*.*.proj-x.*.*.*.a.b"


def test_dot_in_single_word_field_is_an_error_naming_the_field() -> None:
    with pytest.raises(ValueError, match=r"workerType.*single word.*'a\.b'"):
        FakeQueueEvents().taskCompleted(workerType="a.b")


def test_value_longer_than_max_size_is_an_error() -> None:
    exchange = Exchange(
        name="taskCompleted",
        exchange="task-completed",
        routing_key=(
            RoutingKeyField("routingKeyKind", "primary", True, False, 7),
            RoutingKeyField("taskId", None, True, False, 22),
        ),
    )
    assert binding_pattern(exchange, ("a" * 22,)) == "primary." + "a" * 22
    with pytest.raises(ValueError, match=r"taskId is at most 22 characters"):
        binding_pattern(exchange, ("a" * 23,))


def test_bad_values_are_rejected_with_clear_errors() -> None:
    events = FakeQueueEvents()
    with pytest.raises(ValueError, match="taskId must not be empty"):
        events.taskCompleted(taskId="")
    with pytest.raises(TypeError, match="runId must be a str or int, got bool"):
        events.taskCompleted(runId=True)
    with pytest.raises(ValueError, match=r"reserved value 'a\.\.b' has an empty word"):
        events.taskCompleted(reserved="a..b")
    with pytest.raises(ValueError, match=r"expected 9 routing-key values \(taskId, runId"):
        binding_pattern(TASK_COMPLETED, ("x",))


def test_raw_pattern_replaces_the_computed_one() -> None:
    binding = FakeQueueEvents().taskCompleted("route.index.my-project.#")
    assert binding.routing_key_pattern == "route.index.my-project.#"
    assert binding.exchange == "exchange/taskcluster-queue/v1/task-completed"


def test_raw_pattern_and_field_values_together_are_an_error() -> None:
    with pytest.raises(ValueError, match=r"either a routing-key pattern or field values.*taskId"):
        FakeQueueEvents().taskCompleted("route.#", taskId="abc")


def test_raw_pattern_with_empty_word_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"pattern 'route\.\.x' has an empty word"):
        FakeQueueEvents().taskCompleted("route..x")


def test_legacy_prefix_and_prefix_override() -> None:
    assert LegacyQueueEvents().taskCompleted().exchange == "queue/v1/task-completed"
    events = FakeQueueEvents(exchange_prefix="exchange/taskcluster-queue-staging/v1/")
    assert events.taskCompleted().exchange == "exchange/taskcluster-queue-staging/v1/task-completed"
    assert "taskcluster-queue-staging" in repr(events)


def test_binding_is_frozen_and_comparable() -> None:
    first = FakeQueueEvents().taskCompleted(taskId="abc")
    assert first == FakeQueueEvents().taskCompleted(taskId="abc")
    assert first != FakeQueueEvents().taskCompleted(taskId="abd")
    with pytest.raises(AttributeError):
        first.exchange = "x"  # type: ignore[misc]
    assert isinstance(first, Binding)


def test_split_queue_routing_key() -> None:
    key = "primary.fN1SbArXTPSVFNUvaOlinQ.0.wg.w1.proj-x.ci.tests.grp._"
    parsed = QueueRoutingKey.parse(key)
    assert parsed.taskId == "fN1SbArXTPSVFNUvaOlinQ"
    assert parsed.runId == "0"
    assert parsed.taskGroupId == "grp"
    assert parsed.reserved == "_"
    assert QueueRoutingKey.parse(key.removesuffix("._") + ".a.b.c").reserved == "a.b.c"


def test_multi_word_field_in_the_middle_takes_the_rest_from_both_ends() -> None:
    reference = (field("kind", constant="route"), field("path", multi=True), field("last"))
    assert split_routing_key("route.a.b.c.z", reference) == ("route", "a.b.c", "z")
    assert split_routing_key("route.a.z", reference) == ("route", "a", "z")


def test_routing_key_that_does_not_fit_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"has 3 words, expected at least 10 \(routingKeyKind"):
        QueueRoutingKey.parse("primary.a.b")
    reference = (field("a"), field("b"))
    with pytest.raises(ValueError, match=r"has 3 words, expected 2 \(a\.b\)"):
        split_routing_key("x.y.z", reference)
    assert split_routing_key("x.y", reference) == ("x", "y")


def test_exchange_with_two_multi_word_fields_is_rejected() -> None:
    with pytest.raises(ValueError, match="more than one multi-word routing key field: a, b"):
        Exchange("x", "x", (field("a", multi=True), field("b", multi=True)))


@pytest.mark.parametrize(
    ("pattern", "key", "expected"),
    [
        ("primary.*.#", "primary.a", True),
        ("primary.*.#", "primary.a.b.c", True),
        ("primary.*.#", "primary", False),
        ("primary.*.*", "primary.a", False),
        ("a.#.z", "a.z", True),
        ("a.#.z", "a.b.c.z", True),
        ("a.#.z", "a.b.c", False),
        ("#", "anything.at.all", True),
        ("route.index.my-project.#", "route.index.my-project.nightly.linux", True),
        ("route.index.my-project.#", "route.index.other.nightly", False),
        ("*.b", "a.b", True),
        ("*.b", "a.c", False),
    ],
)
def test_topic_matching_follows_rabbitmq(pattern: str, key: str, expected: bool) -> None:
    assert routing_key_matches(pattern, key) is expected


def test_importing_bindings_and_events_stays_cheap() -> None:
    code = (
        "import sys, taskcluster_sdk._bindings, taskcluster_sdk.events.queue\n"
        "heavy = [m for m in ('pydantic', 'aio_pika', 'httpx', 'aiormq') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(SRC)},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout.strip() == ""


def test_generated_queue_events_follow_the_contract() -> None:
    from taskcluster_sdk.events.queue import QueueEvents, TaskCompletedRoutingKey
    from taskcluster_sdk.models.queue import TaskCompletedMessage

    binding = QueueEvents().taskCompleted(taskId="fN1SbArXTPSVFNUvaOlinQ", runId=2)
    assert binding.exchange == "exchange/taskcluster-queue/v1/task-completed"
    assert binding.routing_key_pattern == "primary.fN1SbArXTPSVFNUvaOlinQ.2.*.*.*.*.*.*.#"
    # The generated reference is the upstream one, field for field.
    assert binding.routing_key_reference == TASK_COMPLETED.routing_key
    assert binding.message_model is TaskCompletedMessage
    assert binding.routing_key_model is TaskCompletedRoutingKey
    parsed = TaskCompletedRoutingKey.parse("primary.fN1SbArXTPSVFNUvaOlinQ.2.wg.w1.p.wt.s.g._")
    assert (parsed.taskId, parsed.runId, parsed.taskGroupId, parsed.reserved) == (
        "fN1SbArXTPSVFNUvaOlinQ",
        "2",
        "g",
        "_",
    )
    assert QueueEvents().taskCompleted("route.index.my-project.#").routing_key_pattern == (
        "route.index.my-project.#"
    )
    with pytest.raises(ValueError, match="workerId"):
        QueueEvents().taskCompleted(workerId="a.b")


def test_generated_2014_queue_events_use_the_2014_prefix_and_sizes() -> None:
    from taskcluster_sdk.legacy.events.queue import QueueEvents

    binding = QueueEvents().taskCompleted(taskId="a" * 22)
    assert binding.exchange == "queue/v1/task-completed"
    assert binding.routing_key_pattern == "primary." + "a" * 22 + ".*.*.*.*.*.*.*.#"
    assert QueueEvents(exchange_prefix="other/v1/").taskCompleted().exchange == (
        "other/v1/task-completed"
    )
    # 2014 identifiers were at most 22 characters; longer ones can never match.
    with pytest.raises(ValueError, match="taskId is at most 22 characters"):
        QueueEvents().taskCompleted(taskId="a" * 23)


# --------------------------------------------------------------------------
# values are literal words; patterns fit AMQP; parsing refuses keys that do not fit


RECORDED_PULSE = Path(__file__).parent / "fixtures" / "recorded" / "taskcluster-v106" / "pulse"


@pytest.mark.parametrize("value", ["*", "#", "abc*", "a#b", "*.x"])
def test_wildcards_in_a_field_value_are_refused(value: str) -> None:
    from taskcluster_sdk.events.queue import QueueEvents

    with pytest.raises(RoutingKeyError, match=r"taskId value .* contains a wildcard"):
        QueueEvents().taskCompleted(taskId=value)
    with pytest.raises(RoutingKeyError, match=r"reserved value .* contains a wildcard"):
        QueueEvents().taskCompleted(reserved=f"a.{value}")


def test_a_wildcard_value_would_have_matched_other_tasks() -> None:
    # Why the refusal matters: the pattern a "*" value would build.
    key = "primary.someoneElsesTaskId00000.0.wg.w.p.wt.s.g._"
    assert routing_key_matches("primary.*.*.*.*.*.*.*.*.#", key)
    from taskcluster_sdk.events.queue import QueueEvents

    mine = QueueEvents().taskCompleted(taskId="fN1SbArXTPSVFNUvaOlinQ")
    assert not routing_key_matches(mine.routing_key_pattern, key)


def test_empty_and_dotted_values_are_refused_with_the_hierarchy_error() -> None:
    events = FakeQueueEvents()
    for kwargs in ({"taskId": ""}, {"workerType": "a.b"}, {"reserved": "a..b"}, {"reserved": ""}):
        with pytest.raises(RoutingKeyError) as raised:
            events.taskCompleted(**kwargs)
        assert isinstance(raised.value, TaskclusterError)
        assert isinstance(raised.value, ValueError)


def test_patterns_over_255_bytes_are_refused_before_the_broker() -> None:
    from taskcluster_sdk.events.queue import QueueEvents

    events = QueueEvents()
    fits = events.taskCompleted(reserved="r" * 100)
    assert len(fits.routing_key_pattern.encode()) <= MAX_ROUTING_KEY_BYTES
    with pytest.raises(RoutingKeyError, match=r"is 2\d\d bytes long; AMQP allows at most 255"):
        events.taskCompleted(reserved="r" * 240)
    # Bytes, not characters: 128 two-byte characters are 256 bytes.
    with pytest.raises(RoutingKeyError, match="bytes long"):
        events.taskCompleted("route." + "é" * 125)
    assert events.taskCompleted("route." + "é" * 124).routing_key_pattern.startswith("route.")


def test_parse_refuses_a_wrong_constant() -> None:
    from taskcluster_sdk.events.queue import TaskCompletedRoutingKey

    with pytest.raises(
        RoutingKeyError, match=r"routingKeyKind must be 'primary', got 'notprimary'"
    ):
        TaskCompletedRoutingKey.parse("notprimary.fN1SbArXTPSVFNUvaOlinQ.0.wg.w1.p.wt.s.g._")


@pytest.mark.parametrize(
    "key",
    [
        "primary..0.wg.w1.p.wt.s.g._",  # taskId
        "primary.fN1SbArXTPSVFNUvaOlinQ.0.wg.w1.p.wt.s..",  # taskGroupId and reserved
        "primary.fN1SbArXTPSVFNUvaOlinQ.0.wg.w1.p.wt.s.g.",  # reserved
        "primary.fN1SbArXTPSVFNUvaOlinQ.0.wg.w1.p.wt.s.g.a..b",  # a word of reserved
    ],
)
def test_parse_refuses_empty_fields(key: str) -> None:
    from taskcluster_sdk.events.queue import TaskCompletedRoutingKey

    with pytest.raises(RoutingKeyError, match="is empty"):
        TaskCompletedRoutingKey.parse(key)


def _routing_key_classes() -> dict[str, type[Any]]:
    """Exchange name -> generated routing-key class, for every current-platform exchange."""
    import importlib
    import pkgutil

    import taskcluster_sdk.events as events_package

    classes: dict[str, type[Any]] = {}
    for module_info in pkgutil.iter_modules(events_package.__path__):
        module = importlib.import_module(f"taskcluster_sdk.events.{module_info.name}")
        for name in module.__all__:
            events = getattr(module, name)
            if isinstance(events, type) and issubclass(events, EventsBase):
                instance = events()
                for attribute in dir(events):
                    if not attribute.startswith("_") and callable(getattr(instance, attribute)):
                        binding = getattr(instance, attribute)()
                        classes[binding.exchange] = binding.routing_key_model
    return classes


def test_every_recorded_pulse_message_parses_its_routing_key() -> None:
    classes = _routing_key_classes()
    files = sorted(RECORDED_PULSE.glob("*.json"))
    assert len(files) == 58
    for file in files:
        recorded = json.loads(file.read_text())
        parsed = classes[recorded["exchange"]].parse(recorded["routing_key"])
        words = recorded["routing_key"].split(".")
        # Every field holds what was published, `_` placeholders included.
        values = [getattr(parsed, field.name) for field in dataclasses.fields(parsed)]
        assert ".".join(values) == ".".join(words), file


def test_exchange_prefix_is_annotated_for_type_checkers() -> None:
    # pyright --verifytypes counted the unannotated attribute as partially unknown.
    assert EventsBase.__annotations__["exchange_prefix"] in ("str", str)
