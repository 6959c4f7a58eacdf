-- customer._status_reason(p_aum numeric, p_contribution_12m numeric) RETURNS text
--
-- One job: the short reason (the report's words) for a contract's status, from the two figures the
-- rule reads: the month's AUM (SUM(期末资产规模)) and SUM(供款) over the twelve months up to it
-- (docs/RULES.md, Status; customer.contract_month_summary.contract_status applies the rule):
--   正常  '有规模且 12 个月内有供款'   both above zero;
--   停缴  '规模归零'                   the month's AUM is not above zero (contributions or not);
--         '12 个月无供款'              AUM above zero, the twelve months' 供款 not.
-- Read by customer.explain_contract (its contract_status row) and customer.contract_movements (the
-- reason of 正常 → 停缴 and back), so that the two never word a status differently.
-- SQL-standard body, IMMUTABLE, no SET clause: inlined by the planner.
CREATE OR REPLACE FUNCTION customer._status_reason(p_aum numeric, p_contribution_12m numeric)
RETURNS text
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
RETURN CASE
    WHEN p_aum > 0 AND p_contribution_12m > 0 THEN '有规模且 12 个月内有供款'
    WHEN p_aum > 0 THEN '12 个月无供款'
    ELSE '规模归零'
END;

COMMENT ON FUNCTION customer._status_reason(numeric, numeric) IS
    'Private: the short reason for a contract status (有规模且 12 个月内有供款, 规模归零, 12 个月无供款) from '
    'the month''s AUM and the twelve months'' 供款.';
REVOKE ALL ON FUNCTION customer._status_reason(numeric, numeric) FROM PUBLIC;
