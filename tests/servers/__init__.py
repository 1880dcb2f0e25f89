"""Loopback HTTP servers for the runtime tests (127.0.0.1, ephemeral ports)."""
