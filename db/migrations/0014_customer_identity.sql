-- Customer identity: rows that come without a company_id are resolved by what the loader learned
-- or was told, or get a stable provisional id; a data steward merges a provisional id into the
-- real one. Behaviour in customer.resolve_staged_identities and customer.merge_company.
--  * customer."年金客户".is_provisional: the customer was created for a name the loader could
--    not resolve; its id is IN followed by 16 characters derived from the normalised name.
--  * customer.company_alias: one row per (kind, plan_code, alias, company_id): kind 'account'
--    (年金账户号, 集团企业客户号 without its leading C), 'plan_name' (计划代码 + normalised name) or
--    'name' (normalised name; plan_code ''); source 'learned' (from loaded rows that carry a
--    company_id) or 'override' (told by a steward: alias add, merge); the first and last month
--    of the rows that taught it. An alias with two companies is ambiguous and never used.
--  * customer.company_merge_log: one row per merge (who, when, from, into, rows moved per table).
--  * pg_trgm (ships with PostgreSQL) for the candidate matches of `customer-mdm identities`.
-- depends: 0013_carry_contract_state_in_summary

CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

ALTER TABLE customer."年金客户"
    ADD COLUMN is_provisional boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN customer."年金客户".is_provisional IS
    'Created by the loader for a customer name it could not resolve (id IN + 16 characters derived '
    'from the normalised name); merge_company folds it into the real customer.';

CREATE TABLE customer.company_alias (
    kind         text NOT NULL CHECK (kind IN ('account', 'plan_name', 'name')),
    plan_code    text NOT NULL DEFAULT '' CHECK ((kind = 'plan_name') = (plan_code <> '')),
    alias        text NOT NULL CHECK (alias <> ''),
    company_id   text NOT NULL REFERENCES customer."年金客户" (company_id),
    source       text NOT NULL CHECK (source IN ('learned', 'override')),
    first_month  date,
    last_month   date,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, plan_code, alias, company_id)
) WITH (fillfactor = 40);  -- every load widens last_month of every alias it sees: room for HOT updates of a whole page
CREATE INDEX company_alias_company_idx ON customer.company_alias (company_id);
CREATE INDEX company_alias_alias_idx ON customer.company_alias (alias);
COMMENT ON TABLE customer.company_alias IS
    'What identifies a customer in rows without company_id: kind account | plan_name | name, the '
    'normalised alias (plan_code for plan_name), the company, source learned | override, and the '
    'first and last month of the rows that taught it. Two companies for one (kind, plan_code, alias) '
    'make it ambiguous: never used.';

CREATE TABLE customer.company_merge_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    merged_at    timestamptz NOT NULL DEFAULT now(),
    merged_by    text NOT NULL DEFAULT current_user,
    from_id      text NOT NULL,
    from_name    text,
    from_was_provisional boolean NOT NULL,
    into_id      text NOT NULL,
    into_created boolean NOT NULL,
    rows_moved   jsonb NOT NULL
);
COMMENT ON TABLE customer.company_merge_log IS
    'One row per customer.merge_company: who, when, which customer went into which, rows moved per table.';

GRANT SELECT ON customer.company_alias, customer.company_merge_log TO wdh_operator;
GRANT INSERT, UPDATE ON customer.company_alias TO wdh_operator;
