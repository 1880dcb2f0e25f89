"""A small admin script: list roles and clients page by page, look one up.

What it shows: `auth.pages.listRoles2` / `auth.pages.listClients` iterating
every item across pages (the paginator passes `continuationToken`), and
handling failures by exception class (`NotFoundError`,
`InsufficientScopesError` naming the scopes that were missing,
`AuthenticationError` for bad credentials, any other `TaskclusterError`).

Run it (listing needs `auth:list-roles` / `auth:list-clients` only on
deployments that restrict them; most allow anyone):

    export TASKCLUSTER_ROOT_URL=https://tc.example.com
    export TASKCLUSTER_CLIENT_ID=... TASKCLUSTER_ACCESS_TOKEN=...
    python -m examples.admin --prefix project: --show-role project:example:ci
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from taskcluster_sdk import (
    Auth,
    AuthenticationError,
    InsufficientScopesError,
    NotFoundError,
    TaskclusterError,
)


def report(auth: Auth, prefix: str, out: TextIO, *, page_size: int = 100) -> tuple[int, int]:
    """Print the roles and clients whose ids start with `prefix`; returns how many of each."""
    roles = 0
    for role in auth.pages.listRoles2(limit=page_size):
        if role.roleId.startswith(prefix):
            roles += 1
            out.write(f"role   {role.roleId}: {len(role.scopes)} scopes\n")
    clients = 0
    # listClients filters by prefix on the server; roles have no such filter.
    for client in auth.pages.listClients(prefix=prefix or None, limit=page_size):
        clients += 1
        state = "disabled" if client.disabled else f"expires {client.expires:%Y-%m-%d}"
        out.write(f"client {client.clientId}: {state}\n")
    return roles, clients


def show_role(auth: Auth, role_id: str, out: TextIO) -> bool:
    """Print one role's expanded scopes; False (and a message) if it does not exist."""
    try:
        role = auth.role(role_id)
    except NotFoundError:
        out.write(f"no role {role_id!r}\n")
        return False
    out.write(f"{role.roleId} expands to:\n")
    for scope in role.expandedScopes:
        out.write(f"  {scope}\n")
    return True


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="List roles and clients.")
    parser.add_argument("--prefix", default="", help="only ids starting with this")
    parser.add_argument("--show-role", help="also print this role's expanded scopes")
    parser.add_argument("--page-size", type=int, default=100)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None, output: TextIO | None = None) -> int:
    """The command line: 0 on success, 1 if the role was not found, 2 on refusal or error.

    Writes to `output` (default: standard output).
    """
    args = parse_args(argv)
    out: TextIO = sys.stdout if output is None else output
    try:
        with Auth.from_env() as auth:
            roles, clients = report(auth, args.prefix, out, page_size=args.page_size)
            out.write(f"{roles} roles, {clients} clients\n")
            if args.show_role and not show_role(auth, args.show_role, out):
                return 1
    except InsufficientScopesError as error:
        out.write(f"refused, missing scopes: {error.message}\n")
        return 2
    except AuthenticationError as error:
        out.write(f"bad credentials ({error.code}): check TASKCLUSTER_CLIENT_ID / _ACCESS_TOKEN\n")
        return 2
    except TaskclusterError as error:
        out.write(f"failed: {error}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
