"""Wrappers for customer.schedule_mdm_jobs and customer.unschedule_mdm_jobs (pg_cron)."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg.rows import class_row

from work_data_hub.errors import database_errors

SCHEDULE_SQL = """
SELECT job_name, jobid, schedule, command
FROM customer.schedule_mdm_jobs(p_schedule => %(schedule)s)
"""
UNSCHEDULE_SQL = "SELECT job_name, removed FROM customer.unschedule_mdm_jobs()"


@dataclass(frozen=True)
class ScheduledJob:
    job_name: str
    jobid: int
    schedule: str
    command: str


@dataclass(frozen=True)
class RemovedJob:
    job_name: str
    removed: bool


def schedule_mdm_jobs(conn: psycopg.Connection, *, schedule: str) -> list[ScheduledJob]:
    """Register or replace the monthly close job. The caller commits."""
    with database_errors():
        with conn.cursor(row_factory=class_row(ScheduledJob)) as cur:
            return cur.execute(SCHEDULE_SQL, {"schedule": schedule}).fetchall()


def unschedule_mdm_jobs(conn: psycopg.Connection) -> list[RemovedJob]:
    """Remove the job (and the first release's two). The caller commits."""
    with database_errors():
        with conn.cursor(row_factory=class_row(RemovedJob)) as cur:
            return cur.execute(UNSCHEDULE_SQL).fetchall()
