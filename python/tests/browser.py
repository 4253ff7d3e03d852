"""Headless Chromium (Debian package ``chromium``) for the report test: render, read the DOM
after the scripts ran, take a screenshot. No driver, no network: the page is a local file."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--mute-audio",
    # virtual time: the page's promises (plotly draws asynchronously) settle before the dump
    "--virtual-time-budget=20000",
]


def chromium() -> str:
    """The chromium binary, or skip the test saying how to get it."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no chromium on PATH: `make chromium` (apt-get install -y chromium) installs it")


@dataclass(frozen=True)
class Rendered:
    """The DOM after the page's scripts ran."""

    dom: str

    def attribute(self, name: str) -> str | None:
        """The value of the first ``name="..."`` attribute in the DOM."""
        marker = f'{name}="'
        start = self.dom.find(marker)
        if start < 0:
            return None
        start += len(marker)
        return self.dom[start : self.dom.index('"', start)]

    @property
    def errors(self) -> str:
        """Text of the page's #report-errors element (script errors, console.error)."""
        start = self.dom.find('id="report-errors">')
        if start < 0:
            return "(no #report-errors element)"
        start = self.dom.index(">", start) + 1
        return self.dom[start : self.dom.index("</pre>", start)].strip()


def _run(args: list[str], timeout: int = 120) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        return subprocess.run(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def render(page: Path) -> Rendered:
    """Open the file, let its scripts run, return the DOM."""
    result = _run(["--dump-dom", page.resolve().as_uri()])
    assert result.returncode == 0, result.stderr[-2000:]
    return Rendered(dom=result.stdout)


def screenshot(page: Path, out: Path, width: int = 1400, height: int = 1000) -> Path:
    """A PNG of the page's first screen."""
    out.parent.mkdir(parents=True, exist_ok=True)
    result = _run(
        [
            f"--screenshot={out.resolve()}",
            f"--window-size={width},{height}",
            page.resolve().as_uri(),
        ]
    )
    assert result.returncode == 0 and out.exists(), result.stderr[-2000:]
    return out
