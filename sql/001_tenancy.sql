-- 001: tenancy — roles, the organiser context, organisations, organisers, memberships.
--
-- Who is who:
--   * the role running migrations ("the owner") owns every object. It is made a member of
--     eventflow_admin, whose policies let it bootstrap data (organisations, organisers, the
--     demo) even where it is not a superuser (managed PostgreSQL);
--   * eventflow_app is what the dashboard and the CLI's normal commands log in as: not a
--     superuser, no BYPASSRLS, owner of nothing. Everything it sees passes row-level security.
--
-- The signed-in organiser travels as the transaction-local setting eventflow.organiser_id
-- (set_config(..., true)), so a pooled connection never carries it past commit or rollback.

DO $roles$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'eventflow_app') THEN
        CREATE ROLE eventflow_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'eventflow_admin') THEN
        CREATE ROLE eventflow_admin NOLOGIN;
    END IF;
    IF NOT pg_has_role(current_user, 'eventflow_admin', 'MEMBER') THEN
        EXECUTE format('GRANT eventflow_admin TO %I', current_user);
    END IF;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO eventflow_app', current_database());
END
$roles$;

CREATE SCHEMA IF NOT EXISTS eventflow;
REVOKE ALL ON SCHEMA eventflow FROM PUBLIC;
GRANT USAGE ON SCHEMA eventflow TO eventflow_app;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO eventflow_app;

-- NULL when no organiser is set: in a session that never set it current_setting(..., true) is
-- NULL, after a transaction-local value ended it is '' — both must mean "nobody", never "all".
CREATE FUNCTION eventflow.current_organiser_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = ''
AS $$ SELECT nullif(current_setting('eventflow.organiser_id', true), '')::uuid $$;

CREATE TABLE organizations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE organisers (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email         text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$' AND length(email) <= 320),
    display_name  text NOT NULL CHECK (length(btrim(display_name)) BETWEEN 1 AND 200),
    created_at    timestamptz NOT NULL DEFAULT now()
);
-- Sign-in providers differ in the case they report an address in.
CREATE UNIQUE INDEX organisers_email_key ON organisers (lower(email));

CREATE TABLE memberships (
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    organiser_id     uuid NOT NULL REFERENCES organisers (id) ON DELETE CASCADE,
    role             text NOT NULL CHECK (role IN ('owner', 'manager', 'viewer')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, organiser_id)
);
CREATE INDEX memberships_organiser_idx ON memberships (organiser_id, organization_id, role);

-- The organisations the current organiser belongs to, optionally only those where the role is
-- one of `roles`. SECURITY DEFINER so that the memberships policies can call it without
-- recursing into themselves; it re-checks the organiser itself and touches nothing else.
-- Policies call it as `organization_id IN (SELECT unnest(...))`: an uncorrelated subquery, run once
-- per statement and probed as a hash per row (measured: cheaper per row than `= ANY (array)`,
-- which takes the array apart again for every row).
CREATE FUNCTION eventflow.organization_ids(roles text[] DEFAULT ARRAY['owner', 'manager', 'viewer'])
    RETURNS uuid[]
    LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
    SET search_path = ''
AS $$
    SELECT coalesce(array_agg(m.organization_id), '{}')
      FROM public.memberships AS m
     WHERE m.organiser_id = eventflow.current_organiser_id()
       AND m.role = ANY (roles)
$$;
-- Sign-in: the dashboard learns who an authenticated e-mail belongs to before any organiser is
-- set, which row-level security on organisers would otherwise hide. Reveals only the id.
CREATE FUNCTION eventflow.organiser_for_email(email text) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = ''
AS $$ SELECT o.id FROM public.organisers AS o WHERE lower(o.email) = lower(btrim(organiser_for_email.email)) $$;

REVOKE ALL ON FUNCTION eventflow.current_organiser_id() FROM PUBLIC;
REVOKE ALL ON FUNCTION eventflow.organiser_for_email(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventflow.organiser_for_email(text) TO eventflow_app;
REVOKE ALL ON FUNCTION eventflow.organization_ids(text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventflow.current_organiser_id() TO eventflow_app;
GRANT EXECUTE ON FUNCTION eventflow.organization_ids(text[]) TO eventflow_app;

-- One place that turns a table into a tenant table: RLS enabled and forced, members read,
-- owners and managers write, viewers only read, and eventflow_admin may bootstrap.
-- Later migrations call it for every table that carries organization_id.
CREATE FUNCTION eventflow.secure_tenant_table(target regclass, tenant_column text DEFAULT 'organization_id')
    RETURNS void
    LANGUAGE plpgsql
    SET search_path = ''
AS $$
DECLARE
    tbl text := target::text;
    base text := (SELECT c.relname FROM pg_catalog.pg_class AS c WHERE c.oid = target);
    readers text := format('%I IN (SELECT unnest(eventflow.organization_ids()))', tenant_column);
    writers text := format('%I IN (SELECT unnest(eventflow.organization_ids(ARRAY[''owner'', ''manager''])))', tenant_column);
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

-- Organisations: members read their own; only owners rename; creating and deleting an
-- organisation is an administrative act (CLI), not something the dashboard role can do.
ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE organizations FORCE ROW LEVEL SECURITY;
CREATE POLICY organizations_admin ON organizations FOR ALL TO eventflow_admin USING (true) WITH CHECK (true);
CREATE POLICY organizations_read ON organizations FOR SELECT TO eventflow_app
    USING (id IN (SELECT unnest(eventflow.organization_ids())));
CREATE POLICY organizations_update ON organizations FOR UPDATE TO eventflow_app
    USING (id IN (SELECT unnest(eventflow.organization_ids(ARRAY['owner']))))
    WITH CHECK (id IN (SELECT unnest(eventflow.organization_ids(ARRAY['owner']))));
GRANT SELECT, UPDATE (name) ON organizations TO eventflow_app;

-- Memberships: members see who else is in their organisations; only owners change them.
-- The self-lookup policy applies to everyone (the SECURITY DEFINER lookup above runs as the
-- owner role and needs it where that role is not a superuser).
ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY memberships_admin ON memberships FOR ALL TO eventflow_admin USING (true) WITH CHECK (true);
CREATE POLICY memberships_self_lookup ON memberships FOR SELECT
    USING (organiser_id = eventflow.current_organiser_id());
CREATE POLICY memberships_read ON memberships FOR SELECT TO eventflow_app
    USING (organization_id IN (SELECT unnest(eventflow.organization_ids())));
CREATE POLICY memberships_insert ON memberships FOR INSERT TO eventflow_app
    WITH CHECK (organization_id IN (SELECT unnest(eventflow.organization_ids(ARRAY['owner']))));
CREATE POLICY memberships_update ON memberships FOR UPDATE TO eventflow_app
    USING (organization_id IN (SELECT unnest(eventflow.organization_ids(ARRAY['owner']))))
    WITH CHECK (organization_id IN (SELECT unnest(eventflow.organization_ids(ARRAY['owner']))));
CREATE POLICY memberships_delete ON memberships FOR DELETE TO eventflow_app
    USING (organization_id IN (SELECT unnest(eventflow.organization_ids(ARRAY['owner']))));
GRANT SELECT, INSERT, UPDATE, DELETE ON memberships TO eventflow_app;

-- Organisers: you see yourself and the people you share an organisation with, and may edit
-- only your own display name. Accounts are created by an administrator (CLI).
ALTER TABLE organisers ENABLE ROW LEVEL SECURITY;
ALTER TABLE organisers FORCE ROW LEVEL SECURITY;
CREATE POLICY organisers_admin ON organisers FOR ALL TO eventflow_admin USING (true) WITH CHECK (true);
CREATE POLICY organisers_read ON organisers FOR SELECT TO eventflow_app
    USING (id = (SELECT eventflow.current_organiser_id())
           OR id IN (SELECT m.organiser_id FROM memberships AS m));
CREATE POLICY organisers_update ON organisers FOR UPDATE TO eventflow_app
    USING (id = (SELECT eventflow.current_organiser_id()))
    WITH CHECK (id = (SELECT eventflow.current_organiser_id()));
GRANT SELECT, UPDATE (display_name) ON organisers TO eventflow_app;
