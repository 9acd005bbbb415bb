-- 006: seating rules for auto-seat — keep-together groups and keep-apart pairs — and the event's
-- auto-seat settings.
--
-- A rule is a row in seating_rules plus one row per person in seating_rule_members. The people
-- reach their participants through a composite foreign key that includes the event, so a rule
-- can only name people of its own event and organisation. The database keeps the shape: a
-- keep-apart rule names exactly two people, a keep-together rule at least two (checked at commit,
-- so a rule and its people are written in one transaction). When a person leaves a rule (their
-- participant record is deleted, say) and fewer than two remain, the rule goes too: a rule about
-- one person binds nobody, and deleting a participant must never be blocked by it.
--
-- Pins are not stored here: table_assignments keeps the seed's shape. A seat set by a manager
-- (assigned_by = 'manager') is pinned when the event's settings say "pin_manager_seats" (default
-- true); "vip_tables_reserved" (default true) keeps non-VIPs off VIP tables.

CREATE TABLE seating_rules (
    organization_id           uuid NOT NULL,
    id                        uuid NOT NULL DEFAULT gen_random_uuid(),
    event_id                  uuid NOT NULL,
    kind                      text NOT NULL CHECK (kind IN ('together', 'apart')),
    note                      text CHECK (length(note) <= 500),
    created_by_organiser_id   uuid DEFAULT eventflow.current_organiser_id(),
    created_at                timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, id),
    UNIQUE (organization_id, event_id, id),
    FOREIGN KEY (organization_id, event_id) REFERENCES events (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX seating_rules_event_idx ON seating_rules (event_id);

CREATE TABLE seating_rule_members (
    organization_id  uuid NOT NULL,
    event_id         uuid NOT NULL,
    rule_id          uuid NOT NULL,
    participant_id   uuid NOT NULL,
    PRIMARY KEY (organization_id, rule_id, participant_id),
    FOREIGN KEY (organization_id, event_id, rule_id)
        REFERENCES seating_rules (organization_id, event_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organization_id, event_id, participant_id)
        REFERENCES participants (organization_id, event_id, id) ON DELETE CASCADE
);
CREATE INDEX seating_rule_members_event_idx ON seating_rule_members (event_id);
CREATE INDEX seating_rule_members_participant_idx ON seating_rule_members (participant_id);

-- At commit: the rule still exists, so it must have the right number of people.
CREATE FUNCTION eventflow.check_seating_rule_size() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = ''
AS $$
DECLARE
    rule_org uuid := NEW.organization_id;
    rule uuid;
    rule_kind text;
    people integer;
BEGIN
    -- Separate statements: PL/pgSQL plans each when first run, so neither names a missing field.
    IF TG_TABLE_NAME = 'seating_rules' THEN
        rule := NEW.id;
    ELSE
        rule := NEW.rule_id;
    END IF;
    SELECT r.kind INTO rule_kind FROM public.seating_rules AS r
     WHERE r.organization_id = rule_org AND r.id = rule;
    IF NOT FOUND THEN
        RETURN NULL;  -- deleted later in the same transaction
    END IF;
    SELECT count(*) INTO people FROM public.seating_rule_members AS m
     WHERE m.organization_id = rule_org AND m.rule_id = rule;
    IF rule_kind = 'apart' AND people <> 2 THEN
        RAISE EXCEPTION 'a keep-apart rule names exactly two people, this one names %', people
            USING ERRCODE = 'check_violation', CONSTRAINT = 'seating_rules_apart_is_a_pair';
    END IF;
    IF rule_kind = 'together' AND people < 2 THEN
        RAISE EXCEPTION 'a keep-together rule names at least two people, this one names %', people
            USING ERRCODE = 'check_violation', CONSTRAINT = 'seating_rules_together_has_two';
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER seating_rules_size
    AFTER INSERT OR UPDATE OF kind ON seating_rules
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION eventflow.check_seating_rule_size();
CREATE CONSTRAINT TRIGGER seating_rule_members_size
    AFTER INSERT OR UPDATE ON seating_rule_members
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION eventflow.check_seating_rule_size();

-- A person left the rule: drop the rule when it no longer binds two people. Runs as the caller,
-- so row-level security still decides what it may delete (only writers get here anyway).
CREATE FUNCTION eventflow.drop_undersized_seating_rule() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = ''
AS $$
BEGIN
    DELETE FROM public.seating_rules AS r
     WHERE r.organization_id = OLD.organization_id AND r.id = OLD.rule_id
       AND (SELECT count(*) FROM public.seating_rule_members AS m
             WHERE m.organization_id = OLD.organization_id AND m.rule_id = OLD.rule_id)
           < 2;
    RETURN NULL;
END
$$;
CREATE TRIGGER seating_rule_members_drop_undersized AFTER DELETE ON seating_rule_members
    FOR EACH ROW EXECUTE FUNCTION eventflow.drop_undersized_seating_rule();

CREATE TRIGGER seating_rules_inherit_organization BEFORE INSERT ON seating_rules
    FOR EACH ROW EXECUTE FUNCTION eventflow.inherit_organization_from_event();

-- The auto-seat settings are booleans when present (absent means true).
ALTER TABLE events ADD CONSTRAINT events_auto_seat_settings_are_booleans CHECK (
    (NOT settings ? 'pin_manager_seats' OR jsonb_typeof(settings -> 'pin_manager_seats') = 'boolean')
    AND (NOT settings ? 'vip_tables_reserved' OR jsonb_typeof(settings -> 'vip_tables_reserved') = 'boolean'));

SELECT eventflow.secure_tenant_table('seating_rules');
SELECT eventflow.secure_tenant_table('seating_rule_members');
