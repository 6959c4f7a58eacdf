"""DATABASE_URL from the environment, else from `.wdh_env` in the working directory."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from work_data_hub.errors import ConfigError

ENV_FILE = ".wdh_env"


def read_env_file(path: Path) -> dict[str, str]:
    """Parse KEY=VALUE lines (optional `export`, quotes, comments) as `uv run --env-file` does."""
    values: dict[str, str] = {}
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export "):].lstrip()
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ConfigError(
                f"{path}: line {lineno} is not KEY=VALUE",
                hint=f"Fix or delete line {lineno} of {path}.",
            )
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def database_url(cwd: Path | None = None) -> str:
    """The database URL: $DATABASE_URL, else DATABASE_URL in ./.wdh_env."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return url
    env_file = (cwd or Path.cwd()) / ENV_FILE
    if env_file.is_file():
        url = read_env_file(env_file).get("DATABASE_URL", "").strip()
        if url:
            return url
    raise ConfigError(
        "DATABASE_URL not found",
        hint=(f"Set DATABASE_URL in the environment or put DATABASE_URL=postgresql://… in {ENV_FILE} "
              "in the working directory; `db init` creates a local database and writes that file."),
    )


def mask_url(url: str) -> str:
    """The URL with its password replaced by ****, safe to print."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    userinfo = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{userinfo}:****@{netloc[1]}"))


def password_of(url: str) -> str | None:
    try:
        return urlsplit(url).password
    except ValueError:
        return None
