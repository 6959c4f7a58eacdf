-- customer._spell_product_line() RETURNS trigger, and its row-level trigger on mapping."产品线".
--
-- One job: a product line's own name is always one of its spellings in mapping."业务类型别名", the
-- one table that maps 业务类型 to a product line for 规模明细 and both ledgers. A product line
-- added (or renamed) gets its name as a spelling; a spelling that already names another line is
-- left as the DBA set it.
-- Errors: none of its own. Locking: none.
CREATE OR REPLACE FUNCTION customer._spell_product_line()
RETURNS trigger
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    INSERT INTO mapping."业务类型别名" (spelling, product_line_code)
    VALUES (btrim(NEW."产品线"), NEW."产品线代码")
    ON CONFLICT (spelling) DO NOTHING;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION customer._spell_product_line() IS
    'Private trigger function: a product line''s name is always a spelling of it in mapping.业务类型别名.';

REVOKE ALL ON FUNCTION customer._spell_product_line() FROM PUBLIC;

CREATE OR REPLACE TRIGGER "产品线_spelling"
    AFTER INSERT OR UPDATE OF "产品线" ON mapping."产品线"
    FOR EACH ROW EXECUTE FUNCTION customer._spell_product_line();
