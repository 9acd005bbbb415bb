-- 007: the tenant test in every policy becomes `organization_id = ANY (ARRAY(SELECT ...))`.
--
-- Same rows, cheaper per row. `organization_id IN (SELECT unnest(organization_ids()))` is planned
-- as a hashed subplan: every row's uuid is hashed and looked up. `= ANY (ARRAY(SELECT ...))` builds
-- the organiser's (short) list of organisations once per statement, as an InitPlan, and compares
-- each row against it directly. On the benchmark's flagship event (python -m eventflow bench) the
-- statistics view spent 26 % more time with row-level security than without it before, 8 % after.
--
-- Policies are rewritten from the catalog, so every table secured so far is covered, and the
-- helper that secures later tables writes the new form.

CREATE OR REPLACE FUNCTION eventflow.secure_tenant_table(target regclass, tenant_column text DEFAULT 'organization_id')
    RETURNS void
    LANGUAGE plpgsql
    SET search_path = ''
AS $$
DECLARE
    tbl text := target::text;
    base text := (SELECT c.relname FROM pg_catalog.pg_class AS c WHERE c.oid = target);
    readers text := format('%I = ANY (ARRAY(SELECT unnest(eventflow.organization_ids())))', tenant_column);
    writers text := format('%I = ANY (ARRAY(SELECT unnest(eventflow.organization_ids(ARRAY[''owner'', ''manager'']))))',
                           tenant_column);
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
    EXECUTE format('CREATE POLICY %I ON %s FOR ALL TO eventflow_admin USING (true) WITH CHECK (true)', base || '_admin', tbl);
    EXECUTE format('CREATE POLICY %I ON %s FOR SELECT TO eventflow_app USING (%s)', base || '_read', tbl, readers);
    EXECUTE format('CREATE POLICY %I ON %s FOR INSERT TO eventflow_app WITH CHECK (%s)', base || '_insert', tbl, writers);
    EXECUTE format('CREATE POLICY %I ON %s FOR UPDATE TO eventflow_app USING (%s) WITH CHECK (%s)', base || '_update', tbl, writers, writers);
    EXECUTE format('CREATE POLICY %I ON %s FOR DELETE TO eventflow_app USING (%s)', base || '_delete', tbl, writers);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO eventflow_app', tbl);
END
$$;
REVOKE ALL ON FUNCTION eventflow.secure_tenant_table(regclass, text) FROM PUBLIC;

DO $$
DECLARE
    policy record;
    -- How PostgreSQL prints the old form: (organization_id IN ( SELECT unnest(eventflow.organization_ids(...)) AS unnest))
    old_form constant text := '(\w+) IN \( SELECT unnest\((eventflow\.organization_ids\([^)]*\))\) AS unnest\)';
    new_form constant text := '\1 = ANY (ARRAY( SELECT unnest(\2)))';
    statement text;
BEGIN
    FOR policy IN
        SELECT p.schemaname, p.tablename, p.policyname, p.qual, p.with_check
          FROM pg_catalog.pg_policies AS p
         WHERE p.schemaname = 'public'
           AND (p.qual ~ old_form OR p.with_check ~ old_form)
    LOOP
        statement := format('ALTER POLICY %I ON %I.%I', policy.policyname, policy.schemaname, policy.tablename);
        IF policy.qual IS NOT NULL THEN
            statement := statement || format(' USING (%s)', regexp_replace(policy.qual, old_form, new_form, 'g'));
        END IF;
        IF policy.with_check IS NOT NULL THEN
            statement := statement || format(' WITH CHECK (%s)', regexp_replace(policy.with_check, old_form, new_form, 'g'));
        END IF;
        EXECUTE statement;
    END LOOP;
    IF EXISTS (SELECT FROM pg_catalog.pg_policies AS p
                WHERE p.schemaname = 'public'
                  AND (p.qual ~ 'organization_ids' OR p.with_check ~ 'organization_ids')
                  AND NOT (coalesce(p.qual, '') ~ 'ANY \(ARRAY' OR coalesce(p.with_check, '') ~ 'ANY \(ARRAY')) THEN
        RAISE EXCEPTION 'a policy still tests organisations with IN (SELECT ...)';
    END IF;
END
$$;
