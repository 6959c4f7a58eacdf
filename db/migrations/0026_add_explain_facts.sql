-- Explanations as facts (release 5): customer.explain_contract keeps rule, outcome and detail and
-- gains facts jsonb, the figures and months that decided each rule, for pages to word in their
-- language (SPEC §13). Its helpers gain the column too; _explain_strategic returns detail and
-- facts instead of a sentence. customer.customer_timeline gains facts likewise (each row's detail
-- as data: what changed between versions, a merge, an alias's kind, a load), and
-- customer.contract_movements (the reason a contract moved, as data). The result shapes change: dropped here, recreated by the
-- procedures deployed after this migration.
-- depends: 0025_one_answer

DROP FUNCTION IF EXISTS customer.explain_contract(text, text, text, date);
DROP FUNCTION IF EXISTS customer._explain_subject(text, text, text, date);
DROP FUNCTION IF EXISTS customer._explain_activity(text, text, text, date, boolean);
DROP FUNCTION IF EXISTS customer._explain_strategic(text, text, text, date, boolean);
DROP FUNCTION IF EXISTS customer._explain_versions(text, text, text, date);
DROP FUNCTION IF EXISTS customer.customer_timeline(text);
DROP FUNCTION IF EXISTS customer.contract_movements(date);
