"""What users of a package expect to find: a licence file, a changelog, honest project URLs."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DISTRIBUTION = metadata.metadata("taskcluster-sdk")


def test_the_licence_file_is_the_declared_licence() -> None:
    assert DISTRIBUTION["License-Expression"] == "MPL-2.0"
    assert "LICENSE" in (DISTRIBUTION.get_all("License-File") or [])
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("Mozilla Public License Version 2.0\n")
    assert 'Exhibit B - "Incompatible With Secondary Licenses" Notice' in text


def test_project_urls_are_taskclusters_own_pages_and_labelled_so() -> None:
    urls = dict(entry.split(", ", 1) for entry in DISTRIBUTION.get_all("Project-URL") or [])
    assert urls, "no Project-URL in the metadata"
    for label, url in urls.items():
        # No public repository of this SDK exists: no URL may claim to be one.
        assert label.startswith("Taskcluster"), label
        assert url.startswith(("https://docs.taskcluster.net", "https://github.com/taskcluster/"))


def test_the_changelog_has_an_unreleased_section_and_the_current_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "Keep a Changelog" in text
    sections = re.findall(r"^## \[([^\]]+)\]", text, re.M)
    assert sections[0] == "Unreleased"
    assert DISTRIBUTION["Version"] in sections
    assert re.search(
        rf"^## \[{re.escape(DISTRIBUTION['Version'])}\] - \d{{4}}-\d\d-\d\d$", text, re.M
    )
