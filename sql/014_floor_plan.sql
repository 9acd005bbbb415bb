-- 014: the floor plan — where each table stands, and the room's fixed elements.
--
-- Geometry lives beside seating_tables, not in it: moving a table on the plan must not bump the
-- version the Tables page compares when someone edits a capacity at the same time (and the other
-- way round), so each has its own optimistic-concurrency version. Positions are metres from the
-- room's top-left corner (the plan snaps them to a grid); a table without a row here is simply
-- not placed yet, and the plan places it automatically.

CREATE TABLE table_layouts (
    organization_id  uuid NOT NULL,
    event_id         uuid NOT NULL,
    table_number     integer NOT NULL,
    x                double precision NOT NULL CHECK (x BETWEEN 0 AND 2000),
    y                double precision NOT NULL CHECK (y BETWEEN 0 AND 2000),
    shape            text NOT NULL DEFAULT 'round' CHECK (shape IN ('round', 'rectangular')),
    rotation         integer NOT NULL DEFAULT 0 CHECK (rotation BETWEEN 0 AND 359),
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, event_id, table_number),
    -- Renumbering a table carries its place along; removing it removes its place.
    FOREIGN KEY (organization_id, event_id, table_number)
        REFERENCES seating_tables (organization_id, event_id, table_number) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX table_layouts_event_idx ON table_layouts (event_id, table_number);

CREATE TABLE room_elements (
    organization_id  uuid NOT NULL,
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    event_id         uuid NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('stage', 'entrance', 'bar', 'screen', 'vip_zone')),
    label            text NOT NULL CHECK (length(btrim(label)) BETWEEN 1 AND 100),
    x                double precision NOT NULL CHECK (x BETWEEN 0 AND 2000),
    y                double precision NOT NULL CHECK (y BETWEEN 0 AND 2000),
    width            double precision NOT NULL CHECK (width > 0 AND width <= 500),
    height           double precision NOT NULL CHECK (height > 0 AND height <= 500),
    rotation         integer NOT NULL DEFAULT 0 CHECK (rotation BETWEEN 0 AND 359),
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, id),
    UNIQUE (organization_id, event_id, id),
    FOREIGN KEY (organization_id, event_id) REFERENCES events (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX room_elements_event_idx ON room_elements (event_id);

CREATE TRIGGER table_layouts_inherit_organization BEFORE INSERT ON table_layouts
    FOR EACH ROW EXECUTE FUNCTION eventflow.inherit_organization_from_event();
CREATE TRIGGER room_elements_inherit_organization BEFORE INSERT ON room_elements
    FOR EACH ROW EXECUTE FUNCTION eventflow.inherit_organization_from_event();
CREATE TRIGGER table_layouts_version BEFORE UPDATE ON table_layouts
    FOR EACH ROW EXECUTE FUNCTION eventflow.bump_version();
CREATE TRIGGER room_elements_version BEFORE UPDATE ON room_elements
    FOR EACH ROW EXECUTE FUNCTION eventflow.bump_version();

SELECT eventflow.secure_tenant_table('table_layouts');
SELECT eventflow.secure_tenant_table('room_elements');
