-- Deliveries nobody here made (release 4): the anomaly gate judges a file by what an ordinary month
-- never does, and every spelling of 业务类型 lives in one table.
--  * customer.mdm_settings gains the invariants of the gate:
--      gate_max_vanished_share  the share of the compared month's AUM held by contracts the file
--                               does not hold (a partial, truncated or one-branch file loses many);
--      gate_max_unformed_share  the share of the file's AUM in rows that cannot form a contract
--                               (an unknown 业务类型, no company_id and no customer name);
--      gate_max_unchanged_share the share of the compared month's AUM in contracts whose AUM the
--                               file repeats to the cent (a month's rows filed under another month:
--                               investment returns move every contract every month);
--      gate_min_line_share      a product line is held to gate_line_aum_* only when it holds at least
--                               this share of either side's AUM (a tiny line that vanishes is
--                               reported, never refused);
--    gate_min_rows now applies to the compared month only (a small file after a large month is
--    compared).
--  * inbox_settle_seconds: the inbox passes over a file modified more recently (still being copied).
--  * mapping."业务类型别名" (spelling → product_line_code): every accepted spelling of 业务类型, read
--    alike by 规模明细 and both ledgers; seeded with each product line's name, the long forms
--    (企业年金受托 …) and the ledgers' short forms (受托, 投资, 投管). A DBA adds a spelling with one
--    INSERT. A product line's own name is always one of its spellings (a trigger of
--    mapping._spell_product_line keeps it so).
-- depends: 0022_editions_at_commit

ALTER TABLE customer.mdm_settings
    ADD COLUMN gate_max_vanished_share  numeric(6,4) NOT NULL DEFAULT 0.2
        CHECK (gate_max_vanished_share BETWEEN 0 AND 1),
    ADD COLUMN gate_max_unformed_share  numeric(6,4) NOT NULL DEFAULT 0.05
        CHECK (gate_max_unformed_share BETWEEN 0 AND 1),
    ADD COLUMN gate_max_unchanged_share numeric(6,4) NOT NULL DEFAULT 0.8
        CHECK (gate_max_unchanged_share BETWEEN 0 AND 1),
    ADD COLUMN gate_min_line_share      numeric(6,4) NOT NULL DEFAULT 0.05
        CHECK (gate_min_line_share BETWEEN 0 AND 1),
    ADD COLUMN inbox_settle_seconds     integer NOT NULL DEFAULT 60 CHECK (inbox_settle_seconds >= 0);
COMMENT ON TABLE customer.mdm_settings IS
    'One row of settings. strategic_top_n: rank within (branch, product line) that makes a contract '
    'strategic; strategic_threshold: month AUM (inclusive) that makes it strategic whatever its rank; '
    'lock_timeout_seconds: how long sync, refresh and loads wait for each other before failing with '
    '55P03; gate_*: the anomaly gate of every load, judged against the compared month (the month a '
    'file replaces, else the latest loaded one): at most gate_max_vanished_share of its AUM in '
    'contracts absent from the file, at most gate_max_unchanged_share repeated to the cent by a new '
    'month, at most gate_max_unformed_share of the file''s AUM in rows that cannot form a contract, '
    'at most gate_max_unseen_share of the file''s rows under ids the master has never seen, the '
    'total AUM and each product line holding at least gate_min_line_share of either side within '
    '[gate_*_aum_min_ratio, gate_*_aum_max_ratio], a replacement keeping gate_min_replacement_ratio '
    'of the rows and AUM it replaces; nothing comparative while the compared month holds fewer than '
    'gate_min_rows rows (a ledger year: gate_min_ledger_rows). inbox_settle_seconds: the inbox passes '
    'over files modified more recently than this (still being copied).';

CREATE TABLE mapping."业务类型别名" (
    spelling          text PRIMARY KEY CHECK (spelling = btrim(spelling) AND spelling <> ''),
    product_line_code text NOT NULL REFERENCES mapping."产品线" ("产品线代码") ON UPDATE CASCADE
);
COMMENT ON TABLE mapping."业务类型别名" IS
    'Every accepted spelling of 业务类型 and the product line it names, for 规模明细 and both ledgers '
    'alike (a row''s 业务类型 is stored as the product line''s name). A product line''s own name is '
    'always a spelling of it. A DBA adds a spelling with one INSERT.';
CREATE INDEX ON mapping."业务类型别名" (product_line_code);

INSERT INTO mapping."业务类型别名" (spelling, product_line_code)
SELECT p."产品线", p."产品线代码" FROM mapping."产品线" AS p
ON CONFLICT DO NOTHING;
INSERT INTO mapping."业务类型别名" (spelling, product_line_code)
SELECT v.spelling, p."产品线代码"
FROM (VALUES ('企业年金受托', '企年受托'), ('企业年金投资', '企年投资'), ('职业年金受托', '职年受托'),
             ('职业年金投资', '职年投资'), ('受托', '企年受托'), ('投资', '企年投资'), ('投管', '企年投资'))
     AS v (spelling, line)
JOIN mapping."产品线" AS p ON p."产品线" = v.line
ON CONFLICT DO NOTHING;

GRANT SELECT ON mapping."业务类型别名" TO wdh_operator;

-- The gate's result gains whether a finding refuses the file (a small line is only reported).
DROP FUNCTION IF EXISTS business._staged_load_deviations(text, date[], jsonb);
