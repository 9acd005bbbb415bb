-- 003: the event's tables and who sits where.
--
-- Decisions carried over from the seed plan: table_assignments has a required table number and
-- an optional seat number; assigned_by is 'ai', 'manager' or 'auto', with assigned_at as audit
-- trail; VIP tables (seating_tables.is_vip_table) are separate from VIP participants.
-- The database itself guarantees the rules the seating grid and the engine rely on, so that no
-- client, however written, can leave a plan the dashboard would have refused.

CREATE TABLE seating_tables (
    organization_id  uuid NOT NULL,
    event_id         uuid NOT NULL,
    table_number     integer NOT NULL CHECK (table_number > 0),
    capacity         integer NOT NULL CHECK (capacity BETWEEN 1 AND 1000),
    min_fill         integer NOT NULL DEFAULT 0 CHECK (min_fill >= 0),
    is_vip_table     boolean NOT NULL DEFAULT false,
    label            text CHECK (length(label) <= 200),
    accessible       boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    version          integer NOT NULL DEFAULT 1,
    PRIMARY KEY (organization_id, event_id, table_number),
    -- Referenced by table_assignments together with is_vip_table, so that the assignment's
    -- copy of the VIP flag can never disagree with the table's (ON UPDATE CASCADE).
    UNIQUE (organization_id, event_id, table_number, is_vip_table),
    CHECK (min_fill <= capacity),
    FOREIGN KEY (organization_id, event_id) REFERENCES events (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX seating_tables_event_idx ON seating_tables (event_id, table_number);

CREATE TABLE table_assignments (
    organization_id           uuid NOT NULL,
    id                        uuid NOT NULL DEFAULT gen_random_uuid(),
    event_id                  uuid NOT NULL,
    participant_id            uuid NOT NULL,
    table_number              integer NOT NULL CHECK (table_number > 0),
    seat_number               integer CHECK (seat_number > 0),
    is_vip_table              boolean NOT NULL DEFAULT false,
    assigned_by               text NOT NULL DEFAULT 'manager'
                              CHECK (assigned_by IN ('ai', 'manager', 'auto')),
    assigned_at               timestamptz NOT NULL DEFAULT now(),
    assigned_by_organiser_id  uuid DEFAULT eventflow.current_organiser_id(),
    version                   integer NOT NULL DEFAULT 1,
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, id),
    CONSTRAINT table_assignments_one_per_participant UNIQUE (organization_id, event_id, participant_id),
    -- Deferred so that two people can swap seats inside one transaction.
    CONSTRAINT table_assignments_one_per_seat UNIQUE (organization_id, event_id, table_number, seat_number)
        DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT table_assignments_participant_fkey FOREIGN KEY (organization_id, event_id, participant_id)
        REFERENCES participants (organization_id, event_id, id) ON DELETE CASCADE,
    CONSTRAINT table_assignments_seating_table_fkey
        FOREIGN KEY (organization_id, event_id, table_number, is_vip_table)
        REFERENCES seating_tables (organization_id, event_id, table_number, is_vip_table)
        ON UPDATE CASCADE ON DELETE RESTRICT
);
CREATE INDEX table_assignments_event_idx ON table_assignments (event_id);
CREATE INDEX table_assignments_table_idx ON table_assignments (event_id, table_number) INCLUDE (seat_number);
CREATE INDEX table_assignments_participant_idx ON table_assignments (participant_id);
CREATE INDEX table_assignments_vip_idx ON table_assignments (event_id, table_number) WHERE is_vip_table;

-- Before a row is written: take organization_id from the event when left out, copy the VIP
-- flag from the table (callers cannot get it wrong), and refresh the audit fields on a move.
CREATE FUNCTION eventflow.prepare_table_assignment() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = ''
AS $$
DECLARE
    table_is_vip boolean;
BEGIN
    IF NEW.organization_id IS NULL THEN
        SELECT e.organization_id INTO NEW.organization_id FROM public.events AS e WHERE e.id = NEW.event_id;
    END IF;
    SELECT t.is_vip_table INTO table_is_vip
      FROM public.seating_tables AS t
     WHERE t.organization_id = NEW.organization_id AND t.event_id = NEW.event_id
       AND t.table_number = NEW.table_number;
    IF FOUND THEN
        NEW.is_vip_table := table_is_vip;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        NEW.updated_at := now();
        NEW.version := OLD.version + 1;
        IF (NEW.table_number, NEW.seat_number) IS DISTINCT FROM (OLD.table_number, OLD.seat_number) THEN
            IF NEW.assigned_at = OLD.assigned_at THEN
                NEW.assigned_at := now();
            END IF;
            IF NEW.assigned_by_organiser_id IS NOT DISTINCT FROM OLD.assigned_by_organiser_id THEN
                NEW.assigned_by_organiser_id := eventflow.current_organiser_id();
            END IF;
        END IF;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER table_assignments_prepare BEFORE INSERT OR UPDATE ON table_assignments
    FOR EACH ROW EXECUTE FUNCTION eventflow.prepare_table_assignment();

-- At commit: the table still has room for everyone seated at it, and every seat number exists.
-- The table's row is locked first, so two editors filling the last chair one after the other
-- see each other's work (the second one is refused), whatever the isolation level.
CREATE FUNCTION eventflow.check_table_capacity() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = ''
AS $$
DECLARE
    table_capacity integer;
    seated integer;
    highest_seat integer;
BEGIN
    SELECT t.capacity INTO table_capacity
      FROM public.seating_tables AS t
     WHERE t.organization_id = NEW.organization_id AND t.event_id = NEW.event_id
       AND t.table_number = NEW.table_number
       FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;  -- the row moved on or the foreign key refuses it
    END IF;
    SELECT count(*), max(a.seat_number) INTO seated, highest_seat
      FROM public.table_assignments AS a
     WHERE a.organization_id = NEW.organization_id AND a.event_id = NEW.event_id
       AND a.table_number = NEW.table_number;
    IF seated > table_capacity THEN
        RAISE EXCEPTION 'table % is over capacity: % people seated, % chairs', NEW.table_number, seated, table_capacity
            USING ERRCODE = 'check_violation', CONSTRAINT = 'table_assignments_capacity';
    END IF;
    IF highest_seat > table_capacity THEN
        RAISE EXCEPTION 'table % has no seat %: it has % chairs', NEW.table_number, highest_seat, table_capacity
            USING ERRCODE = 'check_violation', CONSTRAINT = 'table_assignments_seat_within_capacity';
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER table_assignments_capacity
    AFTER INSERT OR UPDATE OF table_number, seat_number ON table_assignments
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION eventflow.check_table_capacity();

-- A table cannot shrink below the people already seated at it.
CREATE FUNCTION eventflow.check_table_shrink() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = ''
AS $$
DECLARE
    seated integer;
    highest_seat integer;
BEGIN
    IF NEW.capacity < OLD.capacity THEN
        SELECT count(*), max(a.seat_number) INTO seated, highest_seat
          FROM public.table_assignments AS a
         WHERE a.organization_id = OLD.organization_id AND a.event_id = OLD.event_id
           AND a.table_number = OLD.table_number;
        IF seated > NEW.capacity OR highest_seat > NEW.capacity THEN
            RAISE EXCEPTION 'table % cannot shrink to % chairs: % people are seated there (highest seat %)',
                OLD.table_number, NEW.capacity, seated, coalesce(highest_seat::text, 'none')
                USING ERRCODE = 'check_violation', CONSTRAINT = 'seating_tables_capacity_covers_seated';
        END IF;
    END IF;
    NEW.updated_at := now();
    NEW.version := OLD.version + 1;
    RETURN NEW;
END
$$;
CREATE TRIGGER seating_tables_before_update BEFORE UPDATE ON seating_tables
    FOR EACH ROW EXECUTE FUNCTION eventflow.check_table_shrink();
CREATE TRIGGER seating_tables_inherit_organization BEFORE INSERT ON seating_tables
    FOR EACH ROW EXECUTE FUNCTION eventflow.inherit_organization_from_event();

SELECT eventflow.secure_tenant_table('seating_tables');
SELECT eventflow.secure_tenant_table('table_assignments');
