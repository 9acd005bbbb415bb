-- 033: the event's change counter (migration 025) is bumped at commit, not at the first write.
--
-- 025's statement triggers UPDATEd the event's counter row at once, so a long write (an import, an
-- auto-seat apply of thousands of rows) held that row lock from its first statement to its commit,
-- and every check-in at the door of the same event waited for all of it (2 s behind a 2 s write,
-- docs/scaling.md). Now a write statement only notes "this transaction changed this event, once
-- more" in event_changes_pending, a row of its own transaction that no other writer touches, and a
-- deferred constraint trigger moves the counter just before commit (or at SET CONSTRAINTS ALL
-- IMMEDIATE, which the seating save uses to read its own bump back).
--
-- What stays true: the counter moves in the same transaction as the rows, so a reader who sees the
-- new marker sees the new rows and a committed write always moves the marker (the cache can never
-- serve stale rows); `changes` still grows by one per write statement per event (the save's
-- "nobody wrote in between" check, seating._grid_after_save, counts on that); and the counter row
-- is still locked from the bump to the commit, so markers are committed in lock order.
--
-- No foreign key to events: deleting an event cascades to its participants, whose trigger then
-- notes the event that is going away (the counter row goes with it; the UPDATE finds nothing).

CREATE TABLE event_changes_pending (
    organization_id  uuid NOT NULL,
    event_id         uuid NOT NULL,
    transaction_id   xid8 NOT NULL,
    statements       integer NOT NULL DEFAULT 1,
    PRIMARY KEY (organization_id, event_id, transaction_id)
);
CREATE INDEX event_changes_pending_transaction ON event_changes_pending (transaction_id);

CREATE OR REPLACE FUNCTION eventflow.bump_event_changes() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = ''
AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO public.event_changes_pending AS p (organization_id, event_id, transaction_id)
        SELECT DISTINCT o.organization_id, o.event_id, pg_catalog.pg_current_xact_id() FROM old_rows AS o
            ON CONFLICT (organization_id, event_id, transaction_id) DO UPDATE SET statements = p.statements + 1;
    ELSE
        INSERT INTO public.event_changes_pending AS p (organization_id, event_id, transaction_id)
        SELECT DISTINCT n.organization_id, n.event_id, pg_catalog.pg_current_xact_id() FROM new_rows AS n
            ON CONFLICT (organization_id, event_id, transaction_id) DO UPDATE SET statements = p.statements + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION eventflow.track_event_changes() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = ''
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO public.event_change_counters (organization_id, event_id)
        SELECT n.organization_id, n.id FROM new_rows AS n
            ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO public.event_changes_pending AS p (organization_id, event_id, transaction_id)
        SELECT DISTINCT n.organization_id, n.id, pg_catalog.pg_current_xact_id() FROM new_rows AS n
            ON CONFLICT (organization_id, event_id, transaction_id) DO UPDATE SET statements = p.statements + 1;
    END IF;
    RETURN NULL;
END
$$;

-- Fired (deferred) once per event a transaction noted; the first firing applies all of the
-- transaction's notes, counters in key order (two transactions writing the same two events lock
-- them in the same order), and removes them; later firings find nothing left.
CREATE FUNCTION eventflow.apply_event_changes() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = ''
AS $$
DECLARE
    noted record;
BEGIN
    FOR noted IN
        SELECT p.organization_id, p.event_id, p.statements FROM public.event_changes_pending AS p
         WHERE p.transaction_id = pg_catalog.pg_current_xact_id()
         ORDER BY p.organization_id, p.event_id
    LOOP
        UPDATE public.event_change_counters AS c
           SET changes = c.changes + noted.statements, marker = gen_random_uuid(), changed_at = clock_timestamp()
         WHERE c.organization_id = noted.organization_id AND c.event_id = noted.event_id;
    END LOOP;
    DELETE FROM public.event_changes_pending AS p WHERE p.transaction_id = pg_catalog.pg_current_xact_id();
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION eventflow.apply_event_changes() FROM PUBLIC;

CREATE CONSTRAINT TRIGGER event_changes_pending_apply AFTER INSERT ON event_changes_pending
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION eventflow.apply_event_changes();

-- Written only by the triggers above (as the owner, via eventflow_admin). Members may read their
-- organisation's notes: only their own transaction's are ever visible (others are uncommitted).
ALTER TABLE event_changes_pending ENABLE ROW LEVEL SECURITY;
ALTER TABLE event_changes_pending FORCE ROW LEVEL SECURITY;
CREATE POLICY event_changes_pending_admin ON event_changes_pending FOR ALL TO eventflow_admin
    USING (true) WITH CHECK (true);
CREATE POLICY event_changes_pending_read ON event_changes_pending FOR SELECT TO eventflow_app
    USING (organization_id = ANY (ARRAY(SELECT unnest(eventflow.organization_ids()))));
GRANT SELECT ON event_changes_pending TO eventflow_app;
