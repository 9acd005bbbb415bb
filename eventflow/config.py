"""Settings read from the environment, in one place so every entry point agrees."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

ROOT_DATA_DIR = Path("/var/lib/eventflow")


def default_data_dir() -> Path:
    """The per-user data folder; for root, ``/var/lib/eventflow``.

    Run as root, the embedded server runs as another system user, which must be able to enter the
    folders above the data; ``/root`` is private and EventFlow never loosens folders it does not own.
    """
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return ROOT_DATA_DIR
    return Path(platformdirs.user_data_dir("eventflow", appauthor=False))


@dataclass(frozen=True)
class Settings:
    """Where the database is and who the dashboard acts as when no sign-in is configured.

    * ``DATABASE_URL``: a PostgreSQL 15+ the migrations run on (the owner's connection).
      Unset: an embedded server keeps its data in ``EVENTFLOW_DATA_DIR`` (default: see
      :func:`default_data_dir`).
    * ``EVENTFLOW_APP_DATABASE_URL``: how the dashboard connects as ``eventflow_app``. Unset: the
      owner's URL with the user swapped for ``eventflow_app`` and ``EVENTFLOW_APP_PASSWORD``.
    * ``EVENTFLOW_LOCAL_ORGANISER``: e-mail of the organiser local mode signs in as.
    """

    database_url: str | None
    app_database_url: str | None
    app_password: str | None
    data_dir: Path
    local_organiser: str | None
    upload_limit_mb: int

    @classmethod
    def from_environment(cls) -> Settings:
        data_dir = os.environ.get("EVENTFLOW_DATA_DIR") or default_data_dir()
        return cls(
            database_url=os.environ.get("DATABASE_URL") or None,
            app_database_url=os.environ.get("EVENTFLOW_APP_DATABASE_URL") or None,
            app_password=os.environ.get("EVENTFLOW_APP_PASSWORD") or None,
            data_dir=Path(data_dir).expanduser(),
            local_organiser=os.environ.get("EVENTFLOW_LOCAL_ORGANISER") or None,
            upload_limit_mb=int(os.environ.get("EVENTFLOW_UPLOAD_LIMIT_MB") or 5),
        )

    @property
    def embedded(self) -> bool:
        return self.database_url is None
