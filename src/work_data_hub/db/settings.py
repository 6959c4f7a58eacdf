"""Settings (DATABASE_URL, WDH_DATA_DIR) from the environment, else from the nearest `.wdh_env` in the
working directory or a parent of it; passwords masked in every form of connection string."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from psycopg.conninfo import conninfo_to_dict

from work_data_hub.errors import ConfigError

ENV_FILE = ".wdh_env"
DEFAULT_DATA_DIR = Path("data") / "inbox"
_CONNINFO_PASSWORD = re.compile(r"""(\b(?:password|passwd|pwd|pass)\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)""", re.IGNORECASE)


_WARNED: set[Path] = set()


def check_env_file(path: Path) -> None:
    """Trust `path` as ssh trusts its config: refused when another user (not root) owns it or when
    group or others may write it; a warning (once) when others may read it (it holds a password)."""
    if not hasattr(os, "getuid"):  # Windows: no owner and mode bits to judge
        return
    st = path.stat()
    if st.st_uid not in (os.getuid(), 0):
        raise ConfigError(
            f"{path} belongs to another user (uid {st.st_uid}): it is not read",
            hint="A settings file holds the database password: use one of your own (or root's), e.g. "
            f"`cp {path} ./{ENV_FILE} && chmod 600 ./{ENV_FILE}`, or set DATABASE_URL in the environment.",
        )
    if st.st_mode & 0o022:
        raise ConfigError(
            f"{path} may be changed by other users (mode {st.st_mode & 0o777:04o}): it is not read",
            hint=f"chmod 600 {path}",
        )
    if st.st_mode & 0o004 and path not in _WARNED:
        _WARNED.add(path)
        print(
            f"Warning: {path} is readable by every user (mode {st.st_mode & 0o777:04o}) and may hold the database "
            f"password: chmod 600 {path}",
            file=sys.stderr,
        )


def read_env_file(path: Path) -> dict[str, str]:
    """Parse KEY=VALUE lines (optional `export`, quotes, comments) as `uv run --env-file` does."""
    values: dict[str, str] = {}
    check_env_file(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")  # Windows editors add a BOM
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise ConfigError(f"{path} is not UTF-8 text", hint=f"Save {path} as UTF-8 and run again.") from None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
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


def find_env_file(cwd: Path | None = None) -> Path | None:
    """The nearest .wdh_env: in the working directory, else in the closest parent holding one."""
    start = (cwd or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / ENV_FILE).is_file():
            return folder / ENV_FILE
    return None


def project_root(cwd: Path | None = None) -> Path:
    """The project's folder, where every path the product derives starts (the inbox, reports/, the
    local cluster .wdh/, .wdh_env): the nearest folder, from the working directory up, holding
    .wdh_env, .wdh/ or this project's pyproject.toml (a clone run from src/, say); else the working
    directory."""
    start = (cwd or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / ENV_FILE).is_file() or (folder / ".wdh").is_dir() or _is_this_project(folder / "pyproject.toml"):
            return folder
    return start


def _is_this_project(pyproject: Path) -> bool:
    try:
        return pyproject.is_file() and 'name = "work-data-hub"' in pyproject.read_text(encoding="utf-8")
    except OSError:
        return False


def setting(name: str, cwd: Path | None = None) -> tuple[str, Path | None] | None:
    """A setting's value and the .wdh_env it came from (None: the environment), or None when unset."""
    value = os.environ.get(name, "").strip()
    if value:
        return value, None
    env_file = find_env_file(cwd)
    if env_file is not None:
        value = read_env_file(env_file).get(name, "").strip()
        if value:
            return value, env_file
    return None


def _check_url(url: str) -> str:
    """A URL whose user name or password holds #, /, ? or @ unencoded is misread by every client
    (the password then shows up as a host or a port): refuse it with the fix."""
    if "://" not in url:
        try:
            conninfo_to_dict(url)
        except Exception:  # libpq's message quotes the string, password and all
            raise ConfigError(
                "DATABASE_URL is not a valid key=value connection string: "
                + mask_url(url).split("password=")[0]
                + ("password=…" if "password=" in url else ""),
                hint="Quote a value that holds spaces or quotes: password='my secret' (a ' inside it as \\'), "
                "or write the URL form with the password percent-encoded.",
            ) from None
        return url
    if any(c.isspace() for c in url) or url.split("://", 1)[1].split("/", 1)[0].count("@") > 1:
        raise ConfigError(
            f"DATABASE_URL is not a valid URL: {mask_url(url)}",
            hint="Percent-encode special characters in the user name and password (@ → %40, space → %20, # → %23, "
            "/ → %2F, ? → %3F, : → %3A), or write it as key=value: host=… port=… user=… password='…' dbname=….",
        )
    try:
        parts = urlsplit(url)
        if "," not in parts.netloc:  # host1:5432,host2:5432 is libpq's multi-host form
            parts.port  # noqa: B018 - raises ValueError on a non-numeric port
    except ValueError:
        parts = None
    if parts is None or ("@" in url.split("://", 1)[1] and "@" not in parts.netloc):
        raise ConfigError(
            f"DATABASE_URL is not a valid URL: {mask_url(url)}",
            hint="Percent-encode special characters in the user name and password (# → %23, / → %2F, ? → %3F, "
            "@ → %40, : → %3A), or write it as key=value: host=… port=… user=… password=… dbname=….",
        )
    return url


def database_url(cwd: Path | None = None) -> str:
    """The database URL: $DATABASE_URL, else DATABASE_URL in the nearest .wdh_env."""
    found = setting("DATABASE_URL", cwd)
    if found:
        return _check_url(found[0])
    raise ConfigError(
        "DATABASE_URL not found",
        hint=(
            f"Set DATABASE_URL in the environment or put DATABASE_URL=postgresql://… in {ENV_FILE} "
            "in the working directory (or a parent of it); `db init` creates a local database and writes "
            "that file."
        ),
    )


def data_dir(cwd: Path | None = None) -> Path:
    """The inbox: $WDH_DATA_DIR, else WDH_DATA_DIR in the nearest .wdh_env (relative to that file's
    folder), else data/inbox in the project's folder (project_root)."""
    here = (cwd or Path.cwd()).resolve()
    found = setting("WDH_DATA_DIR", cwd)
    if not found:
        return project_root(cwd) / DEFAULT_DATA_DIR
    value, env_file = found
    path = Path(value).expanduser()
    if path.is_absolute():
        return path
    return (env_file.parent if env_file else here) / path


def password_of(url: str) -> str | None:
    """The password of a URL or a key=value conninfo string, if it has one."""
    try:
        if "://" in url:
            return urlsplit(url).password
        return conninfo_to_dict(url).get("password")
    except Exception:  # a malformed string has no password we could name
        return None


def mask_url(url: str) -> str:
    """The connection string with its password replaced by ****, safe to print: URLs
    (postgresql://user:secret@host/db, ?password=secret) and key=value conninfo (password=secret)."""
    if "://" not in url:
        return _CONNINFO_PASSWORD.sub(lambda m: m.group(1) + "****", url)
    scheme, rest = url.split("://", 1)
    if "@" in rest:  # the user info ends at the last @, whatever the password holds (# / ? unencoded)
        userinfo, hostpart = rest.rsplit("@", 1)
        if ":" in userinfo:
            rest = f"{userinfo.split(':', 1)[0]}:****@{hostpart}"
    return re.sub(r"([?&](?:password|passwd|pwd)=)[^&#]*", r"\1****", f"{scheme}://{rest}", flags=re.IGNORECASE)


_URL_IN_TEXT = re.compile(r"""[A-Za-z][A-Za-z0-9+.-]*://[^\s'"<>]+""")
_LITERAL_FROM = 6  # a shorter password is masked only where it stands as one (it may be any word of the text)


def mask_secrets(text: str, url: str) -> str:
    """`text` with every password in it replaced by ****: in each URL and key=value conninfo
    string it holds, whatever characters the password has, and (when `url`'s password is at
    least six characters long) wherever that password or its percent-encoded form appears.
    Nothing else in the text changes."""
    masked = _URL_IN_TEXT.sub(lambda m: mask_url(m.group(0)), text)
    masked = _CONNINFO_PASSWORD.sub(lambda m: m.group(1) + "****", masked)
    secret = password_of(url)
    if secret and len(secret) >= _LITERAL_FROM:
        plain = unquote(secret) if "://" in url else secret
        for form in sorted({secret, plain, quote(plain, safe="")}, key=len, reverse=True):
            masked = masked.replace(form, "****")
    return masked
