"""The taskcluster-sdk generator: import -> load -> models -> render.

Not shipped with the package; run it with `nox -s import-references` and
`nox -s generate`.
"""
