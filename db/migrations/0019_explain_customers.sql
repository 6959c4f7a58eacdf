-- Why and when, per customer (release 3): customer.explain_contract, customer.customer_timeline and
-- the reason of each movement of the monthly report.
--  * customer.contract_movements gains a column, reason: its result shape changes, so the old
--    signature is dropped here and the procedure file creates the new one.
--  * fct_customer_product_line_monthly gets an index by customer: a customer's months (the
--    timeline, the customer page) are one index range instead of a scan of every month's rows.
--    The contract history already has one (its unique key company_id, plan_code,
--    product_line_code, valid_from), the source table too ("规模明细_contract_月度_idx").
-- depends: 0018_status_for_readers

DROP FUNCTION IF EXISTS customer.contract_movements(date);

CREATE INDEX fct_customer_product_line_monthly_company_idx
    ON customer.fct_customer_product_line_monthly (company_id, snapshot_month);
