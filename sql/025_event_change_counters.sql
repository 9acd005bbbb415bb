-- 025: event_change_counters — one row per event, bumped by the database on every write to what
-- the seating editor, the table fill and the statistics show.
--
-- The dashboard caches those reads across sessions (eventflow/shared_cache.py), keyed by the
-- organisation, the event and this row's marker. Because the database bumps it (statement-level
-- triggers, like the assignment history), no writer can forget: a colleague's save, an import, an
-- auto-seat, a check-in or a change made in psql all make the next read miss the cache.
--
-- The bump is an UPDATE of the event's row, so writers of one event take its row lock until they
-- commit: the markers are then committed in order, and a reader never keeps a snapshot older than
-- a marker it has seen. Seating saves already wait in line on the event row (lock_event_seating).
-- marker is random (not a count) so that two databases with the same event ids (tests, a restored
-- copy) never share a cache key.

CREATE TABLE event_change_counters (
    organization_id  uuid NOT NULL,
    event_id         uuid NOT NULL,
    changes          bigint NOT NULL DEFAULT 0,
    marker           uuid NOT NULL DEFAULT gen_random_uuid(),
    changed_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, event_id),
    FOREIGN KEY (organization_id, event_id) REFERENCES events (organization_id, id) ON DELETE CASCADE
);

INSERT INTO event_change_counters (organization_id, event_id) SELECT organization_id, id FROM events;

-- SECURITY DEFINER: the app role may only read the counters; the bump is the database's own.
-- It touches only the events the statement itself changed.
CREATE FUNCTION eventflow.bump_event_changes() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = ''
AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE public.event_change_counters AS c
           SET changes = c.changes + 1, marker = gen_random_uuid(), changed_at = clock_timestamp()
          FROM (SELECT DISTINCT o.organization_id, o.event_id FROM old_rows AS o) AS touched
         WHERE c.organization_id = touched.organization_id AND c.event_id = touched.event_id;
    ELSE
        UPDATE public.event_change_counters AS c
           SET changes = c.changes + 1, marker = gen_random_uuid(), changed_at = clock_timestamp()
          FROM (SELECT DISTINCT n.organization_id, n.event_id FROM new_rows AS n) AS touched
         WHERE c.organization_id = touched.organization_id AND c.event_id = touched.event_id;
    END IF;
    RETURN NULL;
END
$$;

-- The events table itself: a new event gets its row; a changed one (settings, name) is bumped.
CREATE FUNCTION eventflow.track_event_changes() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = ''
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO public.event_change_counters (organization_id, event_id)
        SELECT n.organization_id, n.id FROM new_rows AS n
            ON CONFLICT DO NOTHING;
    ELSE
        UPDATE public.event_change_counters AS c
           SET changes = c.changes + 1, marker = gen_random_uuid(), changed_at = clock_timestamp()
          FROM new_rows AS n
         WHERE c.organization_id = n.organization_id AND c.event_id = n.id;
    END IF;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION eventflow.bump_event_changes() FROM PUBLIC;
REVOKE ALL ON FUNCTION eventflow.track_event_changes() FROM PUBLIC;

CREATE TRIGGER events_changes_insert AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION eventflow.track_event_changes();
CREATE TRIGGER events_changes_update AFTER UPDATE ON events
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION eventflow.track_event_changes();

-- A trigger may name transition tables for one kind of statement only: three per table.
DO $$
DECLARE
    watched text;
BEGIN
    FOREACH watched IN ARRAY ARRAY['participants', 'table_assignments', 'participant_tracks', 'tracks',
                                   'seating_tables', 'seating_rules', 'seating_rule_members']
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON public.%I REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION eventflow.bump_event_changes()',
                       watched || '_changes_insert', watched);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON public.%I REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION eventflow.bump_event_changes()',
                       watched || '_changes_update', watched);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON public.%I REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION eventflow.bump_event_changes()',
                       watched || '_changes_delete', watched);
    END LOOP;
END
$$;

-- Read-only for members; written only by the triggers above (as the owner, via eventflow_admin).
ALTER TABLE event_change_counters ENABLE ROW LEVEL SECURITY;
ALTER TABLE event_change_counters FORCE ROW LEVEL SECURITY;
CREATE POLICY event_change_counters_admin ON event_change_counters FOR ALL TO eventflow_admin
    USING (true) WITH CHECK (true);
CREATE POLICY event_change_counters_read ON event_change_counters FOR SELECT TO eventflow_app
    USING (organization_id = ANY (ARRAY(SELECT unnest(eventflow.organization_ids()))));
GRANT SELECT ON event_change_counters TO eventflow_app;
