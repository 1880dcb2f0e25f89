"""Figure 3: import cost, measured on whole fresh processes.

Rows: `from taskcluster_sdk import Queue` against `import taskcluster`; and
importing everything (every client of ours and every model module) against
`import taskcluster` (which loads all its services), in time and peak RSS.
The floor is a bare interpreter (`python -c pass`): the part of every number
that no library can remove.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack

from benchmarks.config import RunConfig
from benchmarks.measure import Outcome, Round, RoundFn, SideUnavailableError, run_rounds
from benchmarks.processes import child_env, run_process
from benchmarks.report import FigureResult, Target

# Peak RSS in kB. `ru_maxrss` would be wrong here: Linux keeps it across
# fork+exec, so a child reports at least the harness's own size. `VmHWM` is
# per address space and starts afresh at exec.
PRINT_RSS = """
def _peak_rss_kb():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(_peak_rss_kb())
"""
OURS_QUEUE = "from taskcluster_sdk import Queue"
OFFICIAL = "import taskcluster"
BARE = "pass"
SERVICES = ("taskcluster_sdk.services", "taskcluster_sdk.events")
SERVICES_AND_MODELS = (*SERVICES, "taskcluster_sdk.models")
# Every module under the given subpackages (each service's clients, each
# exchange's bindings, each model). Not the whole `__all__`: it also exports
# the runtime API (PulseListener imports aio-pika, HawkAuth httpx), which the
# `services` row is not about. The 2014 platform is left out: the official
# client has no counterpart.
OURS_ALL = """
import importlib, pkgutil
for package_name in {packages!r}:
    package = importlib.import_module(package_name)
    for info in pkgutil.walk_packages(package.__path__, package_name + "."):
        importlib.import_module(info.name)
"""


def run_python(code: str, env: dict[str, str], python: str) -> tuple[float, str]:
    """Wall time of a fresh interpreter running `code`, and its stdout."""
    run = run_process([python, "-c", code], env)
    return run.wall, run.stdout


def _require(code: str, env: dict[str, str], python: str, reason: str) -> None:
    """Fail the side as unavailable when `code` cannot run at all."""
    try:
        run_python(code, env, python)
    except RuntimeError as error:
        raise SideUnavailableError(f"{reason}: {error}") from error


def _timed(
    code: str, env: dict[str, str], python: str, rss_kb: list[float] | None = None
) -> RoundFn:
    def one_round() -> Round:
        elapsed, output = run_python(code, env, python)
        if rss_kb is not None:
            rss_kb.append(float(output.split()[-1]))
        return Round(elapsed)

    return one_round


def _side(
    probe: str,
    code: str,
    env: dict[str, str],
    reason: str,
    rss_kb: list[float] | None = None,
    *,
    python: str,
) -> Callable[[ExitStack], RoundFn]:
    def setup(stack: ExitStack) -> RoundFn:
        _require(probe, env, python, reason)  # also the warm-up run that writes .pyc files
        return _timed(code, env, python, rss_kb)

    return setup


def _rss_outcomes(times: dict[str, Outcome], rss_kb: dict[str, list[float]]) -> dict[str, Outcome]:
    """RSS in MB for the sides whose timed runs succeeded; the time outcome otherwise."""
    return {
        side: Outcome.ok([Round(kb / 1024) for kb in rss_kb[side]])
        if outcome.status == "ok"
        else outcome
        for side, outcome in times.items()
    }


def run(config: RunConfig) -> list[FigureResult]:
    env = child_env()
    python = config.python
    ours_missing = "no taskcluster_sdk.Queue"
    official_missing = "official client not installed"
    queue_times = run_rounds(
        {
            "ours": _side(OURS_QUEUE, OURS_QUEUE, env, ours_missing, python=python),
            "official": _side(OFFICIAL, OFFICIAL, env, official_missing, python=python),
            "floor": _side(BARE, BARE, env, "the interpreter does not start", python=python),
        },
        config.import_runs,
    )
    runs = f"{config.import_runs} fresh processes per side; floor = bare `python -c pass`"
    return [
        FigureResult(
            key="import",
            title="import Queue (process)",
            unit="s",
            higher_is_better=False,
            outcomes=queue_times,
            targets=(Target("official", at_least=1.0),),
            floor_ratio=False,
            notes=(runs,),
        ),
        *_import_everything(config, env, "services", SERVICES),
        *_import_everything(config, env, "services+models", SERVICES_AND_MODELS),
    ]


def _import_everything(
    config: RunConfig, env: dict[str, str], label: str, packages: tuple[str, ...]
) -> list[FigureResult]:
    """Time and peak RSS of importing all of ours (`packages`) against `import taskcluster`."""
    rss_kb: dict[str, list[float]] = {"ours": [], "official": [], "floor": []}
    ours_code = OURS_ALL.format(packages=packages) + PRINT_RSS
    times = run_rounds(
        {
            "ours": _side(
                OURS_QUEUE,
                ours_code,
                env,
                "no taskcluster_sdk.Queue",
                rss_kb["ours"],
                python=config.python,
            ),
            "official": _side(
                OFFICIAL,
                f"{OFFICIAL}\n{PRINT_RSS}",
                env,
                "official client not installed",
                rss_kb["official"],
                python=config.python,
            ),
            "floor": _side(
                BARE,
                PRINT_RSS,
                env,
                "the interpreter does not start",
                rss_kb["floor"],
                python=config.python,
            ),
        },
        config.import_runs,
    )
    key = label.replace("+", "-")
    return [
        FigureResult(
            key=f"import-{key}-time",
            title=f"import all {label}",
            unit="s",
            higher_is_better=False,
            outcomes=times,
            floor_ratio=False,
            notes=(
                f"ours: every module of {', '.join(packages)}; "
                "official: `import taskcluster` (all its services)",
            ),
        ),
        FigureResult(
            key=f"import-{key}-rss",
            title=f"  peak RSS, all {label}",
            unit="MB",
            higher_is_better=False,
            outcomes=_rss_outcomes(times, rss_kb),
            floor_ratio=False,
        ),
    ]
