-- 002: events, their tracks and participants.
--
-- Every tenant table carries organization_id, its primary and unique keys include it, and a
-- child points at its parent through a composite foreign key (organization_id, parent_id):
-- a row can never reference another organisation's parent, and the schema can be distributed
-- by organization_id (Citus) without change.
--
-- SQL written for the seed schema does not know organization_id: where it is omitted, a
-- trigger takes it from the parent the row names (which RLS only lets you see if it is yours).

CREATE TABLE events (
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    name             text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    starts_on        date,
    ends_on          date,
    venue            text CHECK (length(venue) <= 500),
    settings         jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(settings) = 'object'),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, id),
    CHECK (ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on),
    CHECK (NOT settings ? 'default_networking_opt_in'
           OR jsonb_typeof(settings -> 'default_networking_opt_in') = 'boolean')
);
CREATE UNIQUE INDEX events_id_key ON events (id, organization_id);

CREATE TABLE tracks (
    organization_id  uuid NOT NULL,
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    event_id         uuid NOT NULL,
    name             text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    description      text,
    is_active        boolean NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, id),
    UNIQUE (organization_id, event_id, id),
    FOREIGN KEY (organization_id, event_id) REFERENCES events (organization_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX tracks_event_name_key ON tracks (organization_id, event_id, lower(name));
CREATE INDEX tracks_event_idx ON tracks (event_id) INCLUDE (is_active);

CREATE TABLE participants (
    organization_id    uuid NOT NULL,
    id                 uuid NOT NULL DEFAULT gen_random_uuid(),
    event_id           uuid NOT NULL,
    full_name          text NOT NULL CHECK (length(btrim(full_name)) BETWEEN 1 AND 300),
    email              text CHECK (length(email) <= 320),
    company            text CHECK (length(company) <= 300),
    is_vip             boolean NOT NULL DEFAULT false,
    -- No column default on purpose: when the insert leaves it out, the trigger below takes the
    -- event's settings ->> 'default_networking_opt_in', and false where the event sets none.
    networking_opt_in  boolean NOT NULL,
    interests          text[] NOT NULL DEFAULT '{}',
    needs_accessible   boolean NOT NULL DEFAULT false,
    checked_in_at      timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    version            integer NOT NULL DEFAULT 1,
    PRIMARY KEY (organization_id, id),
    UNIQUE (organization_id, event_id, id),
    FOREIGN KEY (organization_id, event_id) REFERENCES events (organization_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX participants_event_email_key ON participants (organization_id, event_id, lower(email))
    WHERE email IS NOT NULL;
CREATE INDEX participants_event_idx ON participants (event_id);
CREATE INDEX participants_event_vip_idx ON participants (event_id) WHERE is_vip;
CREATE INDEX participants_event_opt_in_idx ON participants (event_id) WHERE networking_opt_in;

CREATE TABLE participant_tracks (
    organization_id  uuid NOT NULL,
    event_id         uuid NOT NULL,
    participant_id   uuid NOT NULL,
    track_id         uuid NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, participant_id, track_id),
    -- Both ends must belong to the same event of the same organisation.
    FOREIGN KEY (organization_id, event_id, participant_id)
        REFERENCES participants (organization_id, event_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organization_id, event_id, track_id)
        REFERENCES tracks (organization_id, event_id, id) ON DELETE CASCADE
);
-- Leads with event_id, and covers what the track statistics count, so that one event's counts are
-- an index-only scan even where row-level security's filter leaves the planner guessing.
CREATE INDEX participant_tracks_event_track_idx ON participant_tracks (event_id, track_id)
    INCLUDE (participant_id, organization_id);
CREATE INDEX participant_tracks_participant_idx ON participant_tracks (participant_id);

-- Fill organization_id from the event the row names, for inserts that leave it out.
CREATE FUNCTION eventflow.inherit_organization_from_event() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = ''
AS $$
BEGIN
    IF NEW.organization_id IS NULL THEN
        SELECT e.organization_id INTO NEW.organization_id FROM public.events AS e WHERE e.id = NEW.event_id;
    END IF;
    RETURN NEW;
END
$$;

CREATE FUNCTION eventflow.inherit_from_participant() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = ''
AS $$
BEGIN
    IF NEW.organization_id IS NULL OR NEW.event_id IS NULL THEN
        SELECT coalesce(NEW.organization_id, p.organization_id), coalesce(NEW.event_id, p.event_id)
          INTO NEW.organization_id, NEW.event_id
          FROM public.participants AS p
         WHERE p.id = NEW.participant_id
           AND (NEW.organization_id IS NULL OR p.organization_id = NEW.organization_id);
    END IF;
    RETURN NEW;
END
$$;

CREATE FUNCTION eventflow.apply_networking_default() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = ''
AS $$
BEGIN
    IF NEW.networking_opt_in IS NULL THEN
        SELECT coalesce((e.settings ->> 'default_networking_opt_in')::boolean, false)
          INTO NEW.networking_opt_in
          FROM public.events AS e
         WHERE e.organization_id = NEW.organization_id AND e.id = NEW.event_id;
        NEW.networking_opt_in := coalesce(NEW.networking_opt_in, false);
    END IF;
    RETURN NEW;
END
$$;

CREATE FUNCTION eventflow.touch_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = ''
AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

-- version is the optimistic-concurrency token the UI compares before it overwrites a row.
CREATE FUNCTION eventflow.bump_version() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = ''
AS $$
BEGIN
    NEW.updated_at := now();
    NEW.version := OLD.version + 1;
    RETURN NEW;
END
$$;

CREATE TRIGGER tracks_inherit_organization BEFORE INSERT ON tracks
    FOR EACH ROW EXECUTE FUNCTION eventflow.inherit_organization_from_event();
CREATE TRIGGER participants_inherit_organization BEFORE INSERT ON participants
    FOR EACH ROW EXECUTE FUNCTION eventflow.inherit_organization_from_event();
-- Runs after participants_inherit_organization (triggers fire in name order).
CREATE TRIGGER participants_networking_default BEFORE INSERT ON participants
    FOR EACH ROW EXECUTE FUNCTION eventflow.apply_networking_default();
CREATE TRIGGER participant_tracks_inherit BEFORE INSERT ON participant_tracks
    FOR EACH ROW EXECUTE FUNCTION eventflow.inherit_from_participant();
CREATE TRIGGER events_touch BEFORE UPDATE ON events
    FOR EACH ROW EXECUTE FUNCTION eventflow.touch_updated_at();
CREATE TRIGGER tracks_touch BEFORE UPDATE ON tracks
    FOR EACH ROW EXECUTE FUNCTION eventflow.touch_updated_at();
CREATE TRIGGER participants_touch BEFORE UPDATE ON participants
    FOR EACH ROW EXECUTE FUNCTION eventflow.bump_version();

SELECT eventflow.secure_tenant_table('events');
SELECT eventflow.secure_tenant_table('tracks');
SELECT eventflow.secure_tenant_table('participants');
SELECT eventflow.secure_tenant_table('participant_tracks');
