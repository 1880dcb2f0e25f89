"""One side of the artifact figure, in a process of its own (`python -m benchmarks.artifact_side`).

A fresh process per transfer, so that its peak RSS (`VmHWM`) is the
transfer's and nothing the harness did before. The client is imported and
built, one small warm-up transfer of the same kind is made (imports done on
first use, validators built, a connection opened: the cold figure counts
those), then the timed transfer. Prints one JSON line: wall and CPU seconds
of the timed transfer, peak RSS in kB.

Sides: `ours` (`taskcluster_sdk.artifacts.upload_artifact` /
`download_artifact`, an `object` artifact through queue and object service),
`official` (the official client's documented sequence: `queue.createArtifact`,
`taskcluster.upload.uploadFromFile` on an `Object` client with the returned
credentials, `queue.finishArtifact`; `taskcluster.download.downloadArtifactToFile`),
`floor` (httpx streaming straight to or from the storage URL, hashing
sha256 and sha512 as the bytes pass, which the object protocol requires),
`bare` (the same without hashing: the transport alone).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

CHUNK = 1024 * 1024
CONTENT_TYPE = "application/octet-stream"
TASK_ID = "fN1SbArXTPSVFNUvaOlinQ"
CLIENT_ID = "bench/client"
ACCESS_TOKEN = "bench-access-token-not-a-secret"
SIDES = ("ours", "official", "floor", "bare")
OPS = ("upload", "download")

# (name or storage key, file) -> None; raises on any failure.
Transfer = Callable[[str, Path], None]


def peak_rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def _expires() -> str:
    return (datetime.now(timezone.utc) + timedelta(days=1)).isoformat(timespec="milliseconds")


# -- this project ----------------------------------------------------------------


def ours(root_url: str, op: str, expected: dict[str, str]) -> Transfer:
    from taskcluster_sdk import Credentials, Queue  # noqa: PLC0415
    from taskcluster_sdk.artifacts import download_artifact, upload_artifact  # noqa: PLC0415

    queue = Queue(root_url=root_url, credentials=Credentials(CLIENT_ID, ACCESS_TOKEN))

    def upload(name: str, file: Path) -> None:
        result = upload_artifact(
            queue,
            task_id=TASK_ID,
            run_id=0,
            name=name,
            source=file,
            content_type=CONTENT_TYPE,
            expires=timedelta(days=1),
        )
        if result.upload_method != "putUrl":
            raise AssertionError(f"uploaded with {result.upload_method}")

    def download(name: str, file: Path) -> None:
        # Verifies the hashes the object service gave (HashMismatchError otherwise).
        download_artifact(queue, task_id=TASK_ID, name=name, dest=file)

    return upload if op == "upload" else download


# -- the official client -----------------------------------------------------------


def official(root_url: str, op: str, expected: dict[str, str]) -> Transfer:
    import taskcluster  # noqa: PLC0415
    import taskcluster.download  # noqa: PLC0415
    import taskcluster.upload  # noqa: PLC0415

    options: dict[str, Any] = {
        "rootUrl": root_url,
        "credentials": {"clientId": CLIENT_ID, "accessToken": ACCESS_TOKEN},
    }
    queue = taskcluster.Queue(options)

    def upload(name: str, file: Path) -> None:
        size = file.stat().st_size
        created = queue.createArtifact(
            TASK_ID,
            0,
            name,
            {
                "storageType": "object",
                "contentType": CONTENT_TYPE,
                "expires": _expires(),
                "contentLength": size,
            },
        )
        object_service = taskcluster.Object(
            {"rootUrl": root_url, "credentials": created["credentials"]}
        )
        with file.open("rb") as source:
            taskcluster.upload.uploadFromFile(
                projectId=created["projectId"],
                name=created["name"],
                contentType=CONTENT_TYPE,
                contentLength=size,
                expires=created["expires"],
                uploadId=created["uploadId"],
                file=source,
                objectService=object_service,
            )
        queue.finishArtifact(TASK_ID, 0, name, {"uploadId": created["uploadId"]})

    def download(name: str, file: Path) -> None:
        # Verifies the object service's hashes (ObjectHashVerificationError otherwise).
        with file.open("wb") as sink:
            taskcluster.download.downloadArtifactToFile(
                file=sink, taskId=TASK_ID, name=name, queueService=queue
            )

    return upload if op == "upload" else download


# -- raw httpx ----------------------------------------------------------------------


class _Hashes:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.sha256 = hashlib.sha256()
        self.sha512 = hashlib.sha512()

    def update(self, chunk: bytes) -> None:
        if self.enabled:
            self.sha256.update(chunk)
            self.sha512.update(chunk)

    def check(self, expected: dict[str, str]) -> None:
        if self.enabled and self.sha256.hexdigest() != expected["sha256"]:
            raise AssertionError("sha256 mismatch")


def raw(root_url: str, op: str, expected: dict[str, str], *, hashing: bool) -> Transfer:
    import httpx  # noqa: PLC0415

    client = httpx.Client(timeout=60)

    def upload(key: str, file: Path) -> None:
        hashes = _Hashes(hashing)

        def chunks() -> Iterator[bytes]:
            with file.open("rb") as source:
                while chunk := source.read(CHUNK):
                    hashes.update(chunk)
                    yield chunk

        headers = {"Content-Type": CONTENT_TYPE, "Content-Length": str(file.stat().st_size)}
        response = client.put(f"{root_url}/storage/{key}", content=chunks(), headers=headers)
        response.raise_for_status()

    def download(key: str, file: Path) -> None:
        hashes = _Hashes(hashing)
        with client.stream("GET", f"{root_url}/storage/{key}") as response, file.open("wb") as sink:
            response.raise_for_status()
            for chunk in response.iter_raw():
                sink.write(chunk)
                hashes.update(chunk)
        if "warmup" not in key:
            hashes.check(expected)

    return upload if op == "upload" else download


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.artifact_side")
    parser.add_argument("side", choices=SIDES)
    parser.add_argument("op", choices=OPS)
    parser.add_argument("--root-url", required=True)
    parser.add_argument("--name", required=True, help="artifact name (storage key for raw sides)")
    parser.add_argument("--file", type=Path, required=True, help="source, or destination")
    parser.add_argument("--warmup-file", type=Path, required=True)
    parser.add_argument("--sha256", required=True)
    args = parser.parse_args()
    expected = {"sha256": args.sha256}
    if args.side == "ours":
        transfer = ours(args.root_url, args.op, expected)
    elif args.side == "official":
        transfer = official(args.root_url, args.op, expected)
    else:
        transfer = raw(args.root_url, args.op, expected, hashing=args.side == "floor")
    transfer(f"public/warmup/{args.name}", args.warmup_file)
    wall, cpu = time.perf_counter(), time.process_time()
    transfer(args.name, args.file)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(json.dumps({"seconds": wall, "cpu_seconds": cpu, "peak_rss_kb": peak_rss_kb()}))


if __name__ == "__main__":
    main()
