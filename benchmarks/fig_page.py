"""Figure 2: a 1000-task `listTaskGroup` page, and iterating a large task group.

Decision tasks and dashboards list task groups of thousands of tasks. Rows:

* parsing one page's bytes (pretty-printed as the queue serves it, built
  from a recorded v106 page) into typed models, against the official
  client's `json.loads` of the same bytes (in process, after a warm-up);
* the same page fetched and parsed by one `listTaskGroup` call on the
  loopback queue (gzipped, as the queue serves large bodies), against the
  official client and a raw httpx + Hawk + `json.loads` floor;
* memory of iterating a whole group through the pager (ours:
  `queue.pages.listTaskGroup`; official: `listTaskGroup(...,
  paginationHandler=...)`) for a small and a ten times larger group, each
  in a fresh process: peak RSS of the process and the peak traced by
  `tracemalloc` during the iteration (after a warm-up call). Flat means the
  larger group costs no more than the small one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from typing import Any
from urllib.parse import urlsplit

import httpx

from benchmarks.clients import official, official_options, our_credentials, ours, ours_module
from benchmarks.config import ROOT, RunConfig
from benchmarks.fixtures import ACCESS_TOKEN, CLIENT_ID, pager_task_group, task_group_page
from benchmarks.hawk import hawk_header
from benchmarks.measure import (
    Outcome,
    Round,
    RoundFn,
    SideUnavailableError,
    Stopwatch,
    run_rounds,
)
from benchmarks.processes import child_env, run_process
from benchmarks.report import FigureResult, Target

PARSE_TARGETS = (Target("official", at_least=0.8),)
# "Flat": ten times the tasks may cost at most 10% more memory.
FLAT = 1.1


def _count(tasks: Any) -> int:
    """Touch every task's taskId (a lazily parsed model pays here), return how many."""
    count = 0
    for member in tasks:
        status = member["status"] if isinstance(member, dict) else member.status
        task_id = status["taskId"] if isinstance(status, dict) else status.taskId
        if task_id:
            count += 1
    return count


def _check(got: int, expected: int) -> None:
    if got != expected:
        raise AssertionError(f"parsed {got} tasks, expected {expected}")


# -- parsing one page ------------------------------------------------------------


def _parse_round(parse: Callable[[], int], expected: int, repeats: int) -> RoundFn:
    """`repeats` parses (or calls) per round, after one checked warm-up (imports, validators)."""
    _check(parse(), expected)

    def one_round() -> Round:
        stopwatch = Stopwatch()
        for _ in range(repeats):
            parse()
        return stopwatch.rate(repeats)

    return one_round


def _parse_figures(config: RunConfig) -> list[FigureResult]:
    group = pager_task_group(1)
    body = task_group_page(group, config.page_tasks, None)
    tasks, repeats = config.page_tasks, config.page_parses

    def ours_side(stack: ExitStack) -> RoundFn:
        models = ours_module("taskcluster_sdk.models.queue")
        model = getattr(models, "ListTaskGroupResponse", None)
        if model is None:
            raise SideUnavailableError("no taskcluster_sdk.models.queue.ListTaskGroupResponse")
        return _parse_round(lambda: _count(model.model_validate_json(body).tasks), tasks, repeats)

    def official_side(stack: ExitStack) -> RoundFn:
        official()  # the official client parses with json.loads; checks it is installed
        return _parse_round(lambda: _count(json.loads(body)["tasks"]), tasks, repeats)

    def pydantic_side(stack: ExitStack) -> RoundFn:
        from benchmarks.pydantic_floor import Page  # noqa: PLC0415  # needs pydantic

        return _parse_round(lambda: _count(Page.model_validate_json(body).tasks), tasks, repeats)

    sides = {"ours": ours_side, "official": official_side, "pydantic": pydantic_side}
    outcomes = run_rounds(sides, config.rounds)
    plain = outcomes.pop("pydantic")
    parse = FigureResult(
        key="page-parse",
        title=f"parse a {tasks}-task listTaskGroup page",
        unit="pages/s",
        higher_is_better=True,
        outcomes=outcomes,
        targets=PARSE_TARGETS,
        notes=(
            f"{len(body) / 1e6:.1f} MB pretty-printed JSON from a recorded v106 page; "
            "ours: ListTaskGroupResponse.model_validate_json, official: json.loads; "
            "every task's status.taskId read",
        ),
    )
    floor = FigureResult(
        key="page-parse-pydantic",
        title="  same page, plain pydantic models",
        unit="pages/s",
        higher_is_better=True,
        outcomes={"ours": plain, "official": outcomes["official"]},
        notes=(
            "the 'this project' column parses with the shortest pydantic models of the same "
            "shape (benchmarks/pydantic_floor.py): the best ratio eager pydantic models reach",
        ),
    )
    return [parse, floor]


# -- one listTaskGroup call --------------------------------------------------------


def _call_figure(config: RunConfig, root_url: str) -> FigureResult:
    group = pager_task_group(1)
    tasks, repeats = config.page_tasks, config.page_parses

    def ours_side(stack: ExitStack) -> RoundFn:
        queue = stack.enter_context(ours("Queue")(root_url=root_url, credentials=our_credentials()))
        return _parse_round(lambda: _count(queue.listTaskGroup(group).tasks), tasks, repeats)

    def official_side(stack: ExitStack) -> RoundFn:
        queue = official().Queue(official_options(root_url))
        stack.callback(queue.session.close)
        return _parse_round(lambda: _count(queue.listTaskGroup(group)["tasks"]), tasks, repeats)

    def floor_side(stack: ExitStack) -> RoundFn:
        client = stack.enter_context(httpx.Client())
        url = f"{root_url}/api/queue/v1/task-group/{group}/list"
        parts = urlsplit(url)
        host, port, resource = parts.hostname or "", parts.port or 80, parts.path
        token = ACCESS_TOKEN.encode()

        def call() -> int:
            header = hawk_header(CLIENT_ID, token, "GET", resource, host, port)
            response = client.get(url, headers={"Authorization": header})
            if response.status_code != 200:
                raise AssertionError(f"floor got HTTP {response.status_code}")
            return _count(json.loads(response.content)["tasks"])

        return _parse_round(call, tasks, repeats)

    outcomes = run_rounds(
        {"ours": ours_side, "official": official_side, "floor": floor_side}, config.rounds
    )
    return FigureResult(
        key="page-call",
        title="  same page by one listTaskGroup call",
        unit="pages/s",
        higher_is_better=True,
        outcomes=outcomes,
        notes=("loopback queue, gzipped body; floor: httpx + hand-made Hawk + json.loads",),
    )


# -- iterating a large group -------------------------------------------------------

PEAK_RSS = """
def _peak_rss_kb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0
"""
# Arguments: root URL, clientId, accessToken, warm-up group, group, trace (0/1).
OURS_PAGER = (
    PEAK_RSS
    + """
import sys, tracemalloc
from taskcluster_sdk import Credentials, Queue

root_url, client_id, access_token, warm_group, group, trace = sys.argv[1:]
queue = Queue(root_url=root_url, credentials=Credentials(client_id, access_token))
queue.listTaskGroup(warm_group)
if trace == "1":
    tracemalloc.start()
count = 0
for member in queue.pages.listTaskGroup(group):
    if member.status.taskId:
        count += 1
traced = tracemalloc.get_traced_memory()[1] if trace == "1" else 0
print(count, _peak_rss_kb(), traced)
"""
)
OFFICIAL_PAGER = (
    PEAK_RSS
    + """
import sys, tracemalloc
import taskcluster

root_url, client_id, access_token, warm_group, group, trace = sys.argv[1:]
queue = taskcluster.Queue(
    {"rootUrl": root_url, "credentials": {"clientId": client_id, "accessToken": access_token}}
)
queue.listTaskGroup(warm_group)
if trace == "1":
    tracemalloc.start()
count = 0

def handler(page):
    global count
    for member in page["tasks"]:
        if member["status"]["taskId"]:
            count += 1

queue.listTaskGroup(group, paginationHandler=handler)
traced = tracemalloc.get_traced_memory()[1] if trace == "1" else 0
print(count, _peak_rss_kb(), traced)
"""
)


class PagerMemory:
    """Peak RSS and traced peak of both sides for both group sizes, one process each."""

    def __init__(self, config: RunConfig, root_url: str) -> None:
        self.config = config
        self.root_url = root_url
        self.sizes = config.pager_tasks
        # (side, tasks) -> per-round MB
        self.rss: dict[tuple[str, int], list[float]] = {}
        self.traced: dict[tuple[str, int], list[float]] = {}

    def _pages(self, tasks: int) -> int:
        pages, left = divmod(tasks, self.config.page_tasks)
        if left:
            raise ValueError(f"{tasks} tasks is not a whole number of pages")
        return pages

    def _run(self, script: str, side: str, tasks: int, trace: bool, record: bool = True) -> None:
        args = [
            self.config.python,
            "-c",
            script,
            self.root_url,
            CLIENT_ID,
            ACCESS_TOKEN,
            pager_task_group(1),
            pager_task_group(self._pages(tasks)),
            "1" if trace else "0",
        ]
        run = run_process(args, child_env(), cwd=ROOT)
        count, rss_kb, traced = (int(field) for field in run.stdout.split())
        _check(count, tasks)
        if not record:
            return
        if trace:
            self.traced.setdefault((side, tasks), []).append(traced / 1e6)
        else:
            self.rss.setdefault((side, tasks), []).append(rss_kb / 1024)

    def _side(self, side: str, script: str, missing: str) -> Callable[[ExitStack], RoundFn]:
        def setup(stack: ExitStack) -> RoundFn:
            try:
                # Untimed warm-up: bytecode cache, and the server builds its pages.
                self._run(script, side, self.sizes[0], trace=False, record=False)
            except RuntimeError as error:
                if "ModuleNotFoundError" in str(error):
                    raise SideUnavailableError(f"{missing}: {error}") from error
                raise

            def one_round() -> Round:
                # The values are kept in self.rss / self.traced; the round is only a status.
                for tasks in self.sizes:
                    self._run(script, side, tasks, trace=False)
                    self._run(script, side, tasks, trace=True)
                return Round(1.0)

            return one_round

        return setup

    def run(self) -> list[FigureResult]:
        outcomes = run_rounds(
            {
                "ours": self._side("ours", OURS_PAGER, "no taskcluster_sdk"),
                "official": self._side("official", OFFICIAL_PAGER, "official client not installed"),
            },
            self.config.rounds,
        )
        small, large = self.sizes
        rows: list[FigureResult] = []
        for kind, values, label in (
            ("rss", self.rss, "peak RSS"),
            ("traced", self.traced, "traced peak"),
        ):
            rows.extend(self._rows(outcomes, kind, values, label, small, large))
        return rows

    def _rows(
        self,
        outcomes: Mapping[str, Outcome],
        kind: str,
        values: Mapping[tuple[str, int], list[float]],
        label: str,
        small: int,
        large: int,
    ) -> list[FigureResult]:
        def per_size(tasks: int) -> dict[str, Outcome]:
            return {
                side: Outcome.ok([Round(mb) for mb in values[(side, tasks)]])
                if outcome.status == "ok"
                else outcome
                for side, outcome in outcomes.items()
            }

        def growth() -> dict[str, Outcome]:
            result: dict[str, Outcome] = {}
            for side, outcome in outcomes.items():
                if outcome.status != "ok":
                    result[side] = outcome
                    continue
                pairs = zip(values[(side, small)], values[(side, large)], strict=True)
                result[side] = Outcome.ok([Round(big / little) for little, big in pairs])
            return result

        notes = (
            (
                "fresh process per size and side, pages of "
                f"{self.config.page_tasks} tasks; RSS: VmHWM of the whole process; "
                "traced: tracemalloc peak during the iteration, after one warm-up call",
            )
            if kind == "rss"
            else ()
        )
        return [
            FigureResult(
                key=f"pager-{kind}-small",
                title=f"pager, {small:,} tasks: {label}",
                unit="MB",
                higher_is_better=False,
                outcomes=per_size(small),
                notes=notes,
            ),
            FigureResult(
                key=f"pager-{kind}-large",
                title=f"pager, {large:,} tasks: {label}",
                unit="MB",
                higher_is_better=False,
                outcomes=per_size(large),
            ),
            FigureResult(
                key=f"pager-{kind}-growth",
                title=f"  {label} growth, {large:,} / {small:,} tasks",
                unit="x",
                higher_is_better=False,
                outcomes=growth(),
                targets=(Target("absolute", at_most=FLAT),),
            ),
        ]


def run(config: RunConfig, root_url: str) -> list[FigureResult]:
    return [
        *_parse_figures(config),
        _call_figure(config, root_url),
        *PagerMemory(config, root_url).run(),
    ]
