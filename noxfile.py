"""Every workflow of the project: `nox -l` lists them."""

from __future__ import annotations

from pathlib import Path

import nox
import nox.virtualenv

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests", "lint", "typecheck", "drift"]

ROOT = Path(__file__).parent
# Where the raw upstream definitions sit on the project's own machines; a clone
# has no such directory and passes a source instead.
UPSTREAM = ROOT.parent / "shared" / "upstream"
UPSTREAM_SOURCES = (UPSTREAM / "taskcluster-v106" / "references.json", UPSTREAM / "legacy-2014")


def _install(session: nox.Session, *groups: str, project: bool = True) -> None:
    args = [f"--group={group}" for group in groups]
    if project:
        args = ["-e", ".", *args]
    session.install(*args)


@nox.session(name="import-references")
def import_references(session: nox.Session) -> None:
    """Import upstream definitions into references/ and schemas/.

    Pass a deployment's root URL, a references.json bundle or a 2014
    directory (apis.js + schemas/), or several:
    `nox -s import-references -- https://tc.example.com`. Without arguments it
    re-imports ../shared/upstream when that exists next to the clone.
    """
    sources = session.posargs or [str(path) for path in UPSTREAM_SOURCES if path.exists()]
    if not sources:
        session.error(
            "nothing to import: pass a deployment's root URL, a references.json bundle or a "
            "2014 directory (apis.js + schemas/): nox -s import-references -- https://tc.example.com"
        )
    # The generator never imports taskcluster_sdk: the codegen group is enough.
    _install(session, "codegen", project=False)
    session.run("python", "-m", "codegen", "import", *sources)


@nox.session
def generate(session: nox.Session) -> None:
    """Regenerate src/taskcluster_sdk from references/ and schemas/."""
    _install(session, "codegen")
    session.run("python", "-m", "codegen", "generate", *session.posargs)


@nox.session
def drift(session: nox.Session) -> None:
    """Fail if the checked-in generated modules differ from a fresh generation."""
    _install(session, "codegen")
    session.run("python", "-m", "codegen", "generate")
    session.run("git", "diff", "--exit-code", "--stat", "--", "src", external=True)
    untracked = session.run(
        "git",
        "ls-files",
        "--others",
        "--exclude-standard",
        "--",
        "src",
        external=True,
        silent=True,
    )
    if untracked and untracked.strip():
        session.error(f"generation created files that are not checked in:\n{untracked}")


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite (needs RabbitMQ at 127.0.0.1:5672 for the listener tests).

    The bench group is installed too: the benchmark scripts get a smoke test.
    """
    _install(session, "test", "codegen", "bench")
    session.run("pytest", *session.posargs, env={"PYTHONDONTWRITEBYTECODE": "1"})


def _children_venv(session: nox.Session) -> str:
    """A virtualenv holding only this project and the bench group (the official client).

    The fresh-process figures (cold script, import) run in it: every package
    installed beside the SDK can cost import time (pydantic scans installed
    distributions for plugins, httpx imports click when it is there), and a
    user's environment does not hold the generator's dependencies.
    """
    location = Path(session.virtualenv.location).parent / "bench-children"
    python = location / "bin" / "python"
    uv = getattr(nox.virtualenv, "UV", None) if getattr(nox.virtualenv, "HAS_UV", False) else None
    base = str(Path(session.bin) / "python")
    if uv:
        session.run(uv, "venv", "--quiet", "--allow-existing", "--python", base, str(location))
        install = [uv, "pip", "install", "--quiet", "--python", str(python)]
    else:
        session.run(base, "-m", "venv", str(location))
        install = [str(python), "-m", "pip", "install", "--quiet"]
    session.run(*install, "-e", ".", "--group", "bench", external=True)
    return str(python)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks against the official client and the raw floor; writes benchmarks/results.json.

    Needs RabbitMQ at 127.0.0.1:5672 for the listener figure. Pass options
    through: `nox -s bench -- --figure cold --rounds 3` (`--quick` for tiny sizes).
    """
    # codegen + lint: the generation figure runs the generator, which formats with ruff.
    _install(session, "bench", "codegen", "lint")
    args = list(session.posargs)
    if not any(arg.startswith("--child-python") for arg in args):
        args = ["--child-python", _children_venv(session), *args]
    session.run("python", "-m", "benchmarks", *args)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff over everything."""
    _install(session, "lint", project=False)
    session.run("ruff", "check", ".")
    session.run(
        "ruff", "format", "--check", "codegen", "tests", "benchmarks", "examples", "noxfile.py"
    )


@nox.session
def typecheck(session: nox.Session) -> None:
    """pyright strict over src/, examples/ and tests/typing/, the marked mistakes, --verifytypes, hovers."""
    _install(session, "typecheck", "test", "codegen")
    session.run("pyright")
    session.run("python", "tests/typing/check_expected_errors.py")
    session.run("python", "tests/typing/check_verifytypes.py")
    # schema descriptions on hover, through pyright's language server (what IDEs show)
    session.run("python", "tests/typing/check_hover.py")
