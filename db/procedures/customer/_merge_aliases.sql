-- customer._merge_aliases(p_from text, p_into text, p_name text, p_plans text[]) RETURNS bigint
--
-- Private to customer.merge_company; one job: what identifies p_from identifies p_into from now
-- on. p_from's aliases go to p_into (an override stays one; first and last month widened where
-- p_into had the alias already); p_from's name (p_name, normalised) becomes an override alias of
-- p_into within each plan of p_plans (the plans of the rows moved), and by the name alone when no
-- other company is known by it (an ambiguous name stays ambiguous). Returns the aliases written.
CREATE OR REPLACE FUNCTION customer._merge_aliases(p_from text, p_into text, p_name text, p_plans text[])
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_alias text;
    v_written bigint;
BEGIN
    -- Aliases: p_from's go to p_into (an override stays one), then its name becomes an override.
    WITH moved AS (
        DELETE FROM customer.company_alias AS a WHERE a.company_id = p_from RETURNING a.*
    ), written AS (
        INSERT INTO customer.company_alias AS a (kind, plan_code, alias, company_id, source, first_month, last_month)
        SELECT m.kind, m.plan_code, m.alias, p_into, m.source, m.first_month, m.last_month FROM moved AS m
        ON CONFLICT (kind, plan_code, alias, company_id) DO UPDATE
        SET source = CASE WHEN 'override' IN (a.source, excluded.source) THEN 'override' ELSE 'learned' END,
            first_month = least(a.first_month, excluded.first_month),
            last_month = greatest(a.last_month, excluded.last_month), updated_at = now(),
            recorded_by = session_user
        RETURNING 1
    )
    SELECT count(*) INTO v_written FROM written;
    -- Teach the name, within each plan its rows carried: an override of (plan, name). By the name
    -- alone only when no other company is known by it (an ambiguous name stays ambiguous).
    v_alias := customer.normalise_name(p_name);
    IF v_alias IS NOT NULL THEN
        WITH written AS (
            INSERT INTO customer.company_alias AS a (kind, plan_code, alias, company_id, source)
            SELECT 'plan_name', p.plan_code, v_alias, p_into, 'override'
            FROM unnest(p_plans) AS p (plan_code) WHERE p.plan_code IS NOT NULL
            ON CONFLICT (kind, plan_code, alias, company_id) DO UPDATE
            SET source = 'override', updated_at = now(), recorded_by = session_user
            RETURNING 1
        )
        SELECT v_written + count(*) INTO v_written FROM written;
        IF NOT EXISTS (SELECT 1 FROM customer.company_alias AS a
                       WHERE a.kind = 'name' AND a.alias = v_alias AND a.company_id <> p_into) THEN
            INSERT INTO customer.company_alias AS a (kind, alias, company_id, source)
            VALUES ('name', v_alias, p_into, 'override')
            ON CONFLICT (kind, plan_code, alias, company_id) DO UPDATE
            SET source = 'override', updated_at = now(), recorded_by = session_user;
            v_written := v_written + 1;
        END IF;
    END IF;
    RETURN v_written;
END
$$;

COMMENT ON FUNCTION customer._merge_aliases(text, text, text, text[]) IS
    'Private to merge_company: move p_from''s aliases to p_into and teach p_from''s name as an override.';
REVOKE ALL ON FUNCTION customer._merge_aliases(text, text, text, text[]) FROM PUBLIC;
