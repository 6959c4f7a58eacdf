-- business._domain_target(p_domain text) RETURNS TABLE (target text, month_column text)
--
-- One job: the table a domain loads into and its month column: annuity_performance →
-- business."规模明细" (月度); annual_award → customer."当年中标", annual_loss → customer."当年流失"
-- (上报月份). target is quoted, ready for format('%s'). The loader's plan, apply and control figures
-- ask it, so a domain is one name everywhere.
-- Errors: 22023 an unknown domain (or NULL).
CREATE OR REPLACE FUNCTION business._domain_target(p_domain text)
RETURNS TABLE (target text, month_column text)
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_domain IS NULL OR p_domain NOT IN ('annuity_performance', 'annual_award', 'annual_loss') THEN
        RAISE EXCEPTION 'Unknown domain %', coalesce(quote_literal(p_domain), 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass annuity_performance, annual_award or annual_loss.';
    END IF;
    target := CASE p_domain WHEN 'annuity_performance' THEN 'business."规模明细"'
                            WHEN 'annual_award' THEN 'customer."当年中标"' ELSE 'customer."当年流失"' END;
    month_column := CASE WHEN p_domain = 'annuity_performance' THEN '月度' ELSE '上报月份' END;
    RETURN NEXT;
END
$$;

COMMENT ON FUNCTION business._domain_target(text) IS
    'Private to the loader: the table a domain loads into and its month column; 22023 for an unknown domain.';
REVOKE ALL ON FUNCTION business._domain_target(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION business._domain_target(text) TO wdh_operator;
