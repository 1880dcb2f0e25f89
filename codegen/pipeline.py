"""The whole generation: load -> models -> render -> format -> swap into place -> twins.

Everything is produced in a staging directory next to the output and moved
into place only when every step succeeded, so a failure never leaves a
half-written package behind.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from codegen.errors import GeneratorError
from codegen.fakes import PACKAGE_DIRS as FAKE_DIRS
from codegen.fakes import render_fakes
from codegen.formatting import tidy
from codegen.load import load_current, load_legacy
from codegen.model import Platform
from codegen.models import generate_models
from codegen.render import Export, environment, render_platform
from codegen.twins import write_twins

# The exception classes of `taskcluster_sdk.errors`. Listed here, not read from
# the package: the generator never imports what it generates (a broken
# generated `__init__` must not stop the next generation).
# tests/test_generator.py checks this list against `taskcluster_sdk.errors.__all__`.
ERROR_CLASSES = (
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConflictError",
    "ConnectionError",
    "EventLoopError",
    "InsufficientScopesError",
    "InvalidCredentialsError",
    "InvalidOffsetError",
    "InvalidResponseError",
    "MissingFieldError",
    "NotFoundError",
    "PayloadValidationError",
    "PermissionDeniedError",
    "PulseError",
    "RoutingKeyError",
    "ServerError",
    "TaskclusterError",
    "TimeoutError",
)

# The top-level names of the hand-written runtime, exported lazily next to
# the generated clients.
RUNTIME_EXPORTS: tuple[Export, ...] = (
    Export("Credentials", "taskcluster_sdk._credentials"),
    Export("create_temporary_credentials", "taskcluster_sdk._tempcreds"),
    Export("http_response", "taskcluster_sdk._transport"),
    Export("HawkAuth", "taskcluster_sdk.auth"),
    *(
        Export(name, "taskcluster_sdk._utils")
        for name in ("from_now", "nice_slugid", "slugid", "stringify_date")
    ),
    *(Export(name, "taskcluster_sdk._errors") for name in ERROR_CLASSES),
    Export("PulseListener", "taskcluster_sdk._pulse"),
    Export("Binding", "taskcluster_sdk._bindings"),
)

# What generation owns inside the package directory; everything else there
# (the runtime modules) is hand-written and never touched.
GENERATED = ("__init__.py", "services", "events", "models", "legacy", *FAKE_DIRS)


def generate(root: Path, output: Path) -> int:
    """Generate the package into `output` from `root`'s references/ and schemas/."""
    current = load_current(root)
    legacy = load_legacy(root) if (root / "references" / "legacy-2014").is_dir() else None

    output.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".generate-", dir=output.parent))
    try:
        rendered = _render_into(stage, stage, current, "taskcluster_sdk", RUNTIME_EXPORTS)
        if legacy is not None:
            rendered += _render_into(stage / "legacy", stage, legacy, "taskcluster_sdk.legacy", ())
        tidy(*rendered)  # the model step tidied its own output
        written = sum(1 for _ in stage.rglob("*.py"))
        _swap(stage, output)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    # The runtime's sync modules, from their async sources (when present).
    return written + write_twins(output)


def _render_into(
    directory: Path,
    top: Path,
    platform: Platform,
    package: str,
    exports: tuple[Export, ...],
) -> list[Path]:
    """Render `platform` into `directory`, and its fakes under `top`'s testing/."""
    index = generate_models(platform, directory / "models", f"{package}.models")
    paths = _write(directory, render_platform(platform, index, package, exports))
    # Both platforms' fakes belong to taskcluster_sdk.testing, not to the platform's package.
    return paths + _write(top, render_fakes(environment(), platform, index, package))


def _write(directory: Path, files: dict[str, str]) -> list[Path]:
    paths: list[Path] = []
    for relative, text in files.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def _swap(stage: Path, output: Path) -> None:
    """Replace the generated entries of `output` with the staged ones."""
    retired = Path(tempfile.mkdtemp(prefix=".retired-", dir=output.parent))
    moved: list[str] = []
    try:
        for name in GENERATED:
            # Some entries are nested (testing/services beside hand-written testing/).
            (retired / name).parent.mkdir(parents=True, exist_ok=True)
            if (output / name).exists():
                (output / name).rename(retired / name)
                moved.append(name)
            if (stage / name).exists():
                (output / name).parent.mkdir(parents=True, exist_ok=True)
                (stage / name).rename(output / name)
    except OSError as error:
        # Put the previous generation back rather than leave a mix.
        for name in GENERATED:
            if name in moved and not (output / name).exists():
                (retired / name).rename(output / name)
        raise GeneratorError(
            f"could not move the generated package into {output}: {error}"
        ) from error
    finally:
        shutil.rmtree(retired, ignore_errors=True)
