-- 012: the life of an event — who may create, archive and delete it, and archived events read-only.
--
-- Decided: owners and managers create, duplicate, archive and restore events (they run them day to
-- day); only owners delete one (it takes every participant, seat and rule with it). Viewers read.
-- An archived event is read-only: the event itself and every row of it (tracks, participants,
-- tables, seats, rules) refuse changes until it is restored. Deleting an archived event is allowed.

ALTER TABLE events
    ADD COLUMN archived_at timestamptz,
    ADD COLUMN archived_by uuid;

-- Insert and update stay with owners and managers (eventflow.secure_tenant_table); delete narrows.
ALTER POLICY events_delete ON events
    USING (organization_id = ANY (ARRAY(SELECT unnest(eventflow.organization_ids(ARRAY['owner'])))));

CREATE FUNCTION eventflow.keep_archived_event_read_only() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = ''
AS $$
BEGIN
    IF OLD.archived_at IS NOT NULL AND (
           NEW.archived_at IS NOT NULL
           -- restoring changes nothing but the archive mark
           OR (NEW.name, NEW.starts_on, NEW.ends_on, NEW.venue, NEW.settings)
              IS DISTINCT FROM (OLD.name, OLD.starts_on, OLD.ends_on, OLD.venue, OLD.settings)) THEN
        RAISE EXCEPTION 'this event is archived and read-only: restore it first'
            USING ERRCODE = 'EF010';
    END IF;
    IF NEW.archived_at IS NOT NULL AND OLD.archived_at IS NULL THEN
        NEW.archived_by := eventflow.current_organiser_id();
    ELSIF NEW.archived_at IS NULL THEN
        NEW.archived_by := NULL;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER events_archived_read_only BEFORE UPDATE ON events
    FOR EACH ROW EXECUTE FUNCTION eventflow.keep_archived_event_read_only();

-- For every table whose rows belong to an event. When the event itself is gone (a cascading
-- delete of the event), its rows may go.
CREATE FUNCTION eventflow.refuse_change_in_archived_event() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = ''
AS $$
DECLARE
    row_event uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.event_id ELSE NEW.event_id END;
BEGIN
    IF EXISTS (SELECT FROM public.events AS e WHERE e.id = row_event AND e.archived_at IS NOT NULL)
       OR (TG_OP = 'UPDATE' AND OLD.event_id IS DISTINCT FROM NEW.event_id
           AND EXISTS (SELECT FROM public.events AS e WHERE e.id = OLD.event_id AND e.archived_at IS NOT NULL)) THEN
        RAISE EXCEPTION 'this event is archived and read-only: restore it first'
            USING ERRCODE = 'EF010';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

-- One call per table of an event's rows; later migrations (floor plans, …) call it for theirs.
-- The trigger's name sorts after the triggers that fill event_id in (BEFORE triggers fire in name
-- order), so a row that leaves event_id to them is checked too.
CREATE FUNCTION eventflow.protect_archived_event_rows(target regclass) RETURNS void
    LANGUAGE plpgsql
    SET search_path = ''
AS $$
BEGIN
    EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE OR DELETE ON %s '
                   'FOR EACH ROW EXECUTE FUNCTION eventflow.refuse_change_in_archived_event()',
                   (SELECT c.relname FROM pg_catalog.pg_class AS c WHERE c.oid = target) || '_read_only_when_archived',
                   target::text);
END
$$;
REVOKE ALL ON FUNCTION eventflow.protect_archived_event_rows(regclass) FROM PUBLIC;

SELECT eventflow.protect_archived_event_rows(t)
  FROM unnest(ARRAY['tracks', 'participants', 'participant_tracks', 'seating_tables', 'table_assignments',
                    'seating_rules', 'seating_rule_members']::regclass[]) AS t;

CREATE INDEX events_archived_idx ON events (organization_id) WHERE archived_at IS NOT NULL;
