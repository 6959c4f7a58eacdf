"""The writes a data steward or a DBA asks for, as every caller runs them: each calls its SQL
wrapper and commits here (a dry run's merge rolls back inside the function), so that no command
commits. Saying what happened is the caller's (work_data_hub.cli)."""

from __future__ import annotations

import psycopg

from work_data_hub.customer_mdm.identity import AliasSet, MovedRows, merge_company, set_alias
from work_data_hub.customer_mdm.scheduling import RemovedJob, ScheduledJob, schedule_mdm_jobs, unschedule_mdm_jobs


def merge(conn: psycopg.Connection, *, from_id: str, into_id: str, dry_run: bool, force: bool) -> list[MovedRows]:
    """Fold one customer into another (customer.merge_company) and commit."""
    moved = merge_company(conn, from_id, into_id, dry_run=dry_run, force=force)
    conn.commit()
    return moved


def add_alias(conn: psycopg.Connection, *, name: str, company_id: str, plan_code: str | None) -> AliasSet:
    """Record a steward's override alias (customer.set_company_alias) and commit."""
    written = set_alias(conn, name, company_id, plan_code)
    conn.commit()
    return written


def schedule(conn: psycopg.Connection, *, cron: str) -> list[ScheduledJob]:
    """Register or replace the pg_cron job of the monthly close and commit."""
    jobs = schedule_mdm_jobs(conn, schedule=cron)
    conn.commit()
    return jobs


def unschedule(conn: psycopg.Connection) -> list[RemovedJob]:
    """Remove the pg_cron job and commit."""
    removed = unschedule_mdm_jobs(conn)
    conn.commit()
    return removed
