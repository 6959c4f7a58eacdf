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

-- What the rows loaded before this migration teach, as the loader learns from every load since
-- (customer._stage_aliases): the names (客户名称; in the ledgers also 上报客户名称) with and without
-- the plan, and the accounts of 规模明细, of rows whose customer exists. The normalisation is
-- customer.normalise_name's, written out: procedures are deployed after the migrations.
INSERT INTO customer.company_alias (kind, plan_code, alias, company_id, source, first_month, last_month)
SELECT t.kind, t.plan_code, t.alias, t.company_id, 'learned', min(t.month), max(t.month)
FROM (
    SELECT v.kind, v.plan_code,
           nullif(translate(normalize(v.raw, NFKC),
                            E'[]{}【】〔〕〖〗「」『』〈〉《》 \t\n\u000B\f\r\u001C\u001D\u001E\u001F\u0085\u1680\u2028\u2029',
                            '()()()()()()()()()'), '') AS alias,
           v.company_id, v.month
    FROM (
        SELECT k.kind, CASE WHEN k.kind = 'plan_name' THEN d."计划代码" ELSE '' END AS plan_code,
               CASE WHEN k.kind = 'account' THEN d."年金账户号" ELSE d."客户名称" END AS raw, d.company_id, d."月度" AS month
        FROM business."规模明细" AS d CROSS JOIN (VALUES ('account'), ('name'), ('plan_name')) AS k (kind)
        WHERE d.company_id IS NOT NULL AND (k.kind <> 'plan_name' OR d."计划代码" IS NOT NULL)
        UNION ALL
        SELECT k.kind, CASE WHEN k.kind = 'plan_name' THEN l."年金计划号" ELSE '' END, n.raw, l.company_id, l."上报月份"
        FROM (SELECT w."年金计划号", w.company_id, w."上报月份", w."客户名称", w."上报客户名称" FROM customer."当年中标" AS w
              UNION ALL
              SELECT o."年金计划号", o.company_id, o."上报月份", o."客户名称", o."上报客户名称" FROM customer."当年流失" AS o) AS l
        CROSS JOIN LATERAL (VALUES (l."客户名称"), (l."上报客户名称")) AS n (raw)
        CROSS JOIN (VALUES ('name'), ('plan_name')) AS k (kind)
        WHERE l.company_id IS NOT NULL AND (k.kind = 'name' OR l."年金计划号" IS NOT NULL)
    ) AS v
    WHERE v.raw IS NOT NULL
) AS t
WHERE t.alias IS NOT NULL
  AND EXISTS (SELECT 1 FROM customer."年金客户" AS c WHERE c.company_id = t.company_id)
GROUP BY 1, 2, 3, 4;

GRANT SELECT ON customer.company_alias, customer.company_merge_log TO wdh_operator;
GRANT INSERT, UPDATE ON customer.company_alias TO wdh_operator;
