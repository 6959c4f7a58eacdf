"""Wrappers for customer.schedule_mdm_jobs and customer.unschedule_mdm_jobs (pg_cron)."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg.rows import class_row

from work_data_hub.errors import translate

SCHEDULE_SQL = """
SELECT job_name, jobid, schedule, command
FROM customer.schedule_mdm_jobs(p_sync_schedule => %(sync)s, p_snapshot_schedule => %(snapshot)s)
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


def schedule_mdm_jobs(conn: psycopg.Connection, *, sync_schedule: str, snapshot_schedule: str) -> list[ScheduledJob]:
    """Register or replace both jobs. The caller commits."""
    try:
        with conn.cursor(row_factory=class_row(ScheduledJob)) as cur:
            return cur.execute(SCHEDULE_SQL, {"sync": sync_schedule, "snapshot": snapshot_schedule}).fetchall()
    except psycopg.Error as exc:
        raise translate(exc) from None


def unschedule_mdm_jobs(conn: psycopg.Connection) -> list[RemovedJob]:
    """Remove both jobs. The caller commits."""
    try:
        with conn.cursor(row_factory=class_row(RemovedJob)) as cur:
            return cur.execute(UNSCHEDULE_SQL).fetchall()
    except psycopg.Error as exc:
        raise translate(exc) from None
