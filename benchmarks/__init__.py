"""Side-by-side benchmarks: this project, the official `taskcluster` client, the raw floor.

Run `nox -s bench` (or `python -m benchmarks --help`).
"""
