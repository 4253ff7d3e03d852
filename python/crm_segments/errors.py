"""Every error the package raises on purpose, in one module: the CLI catches them without
importing the modules that raise them (``crm-segments --help`` imports neither numpy nor
pandas nor psycopg). Each message says what went wrong and, where known, where; the CLI prints
it as ``error: ...`` and exits with 2."""

from __future__ import annotations


class CrmSegmentsError(Exception):
    """Base of the package's errors."""


class ProjectNotFound(CrmSegmentsError, RuntimeError):
    """No crm_segments dbt project could be located."""


class VarsError(CrmSegmentsError, ValueError):
    """A var is unknown or has a value its schema does not accept; the message names it."""


class DatabaseError(CrmSegmentsError, RuntimeError):
    """A database could not be reached or managed; the message says why."""


class RunLockError(CrmSegmentsError, RuntimeError):
    """Another build, load or raw-data purge holds the database's run lock; the message names it."""


class LoadError(CrmSegmentsError, RuntimeError):
    """A raw file cannot be loaded; the message names the file and, where known, the line."""


class ClusterError(CrmSegmentsError, RuntimeError):
    """The clusters cannot be fitted or read; the message says why."""


class EraseError(CrmSegmentsError, RuntimeError):
    """The raw data cannot be purged (e.g. no build has resolved the persons yet)."""


class TruthError(CrmSegmentsError, ValueError):
    """The truth folder or file cannot be read; the message says why."""


class ExplainError(CrmSegmentsError, ValueError):
    """The record key is malformed or no record has it; the message says why."""


class BacktestError(CrmSegmentsError, ValueError):
    """The backtest cannot run; the message says why."""


class PackageDataError(CrmSegmentsError, ValueError):
    """The bundled files cannot be found or read; the message says why."""


class FebrlError(PackageDataError):
    """The FEBRL files cannot be found or read; the message says why."""


class CdnowError(PackageDataError):
    """The CDNOW file cannot be found or read; the message says why."""


class TrainError(CrmSegmentsError, RuntimeError):
    """The match-weight model cannot be trained, or the trained one fails its checks."""
