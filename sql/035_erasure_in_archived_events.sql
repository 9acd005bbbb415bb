-- 035: an owner can erase a person from an archived event.
--
-- 012 made an archived event read-only, and 019 let erasure be refused there like any change
-- ("restore it first"). But erasure is a person's right: it must not wait for someone to restore
-- an event that is over. So, while eventflow.erase_participant runs, deletes in that one event pass
-- the read-only trigger: the person's row and what goes with it (their seat, tracks, rule
-- memberships, and a keep-together or apart rule left with one person). Every other change to an
-- archived event is still refused, erasure included in any other event.
--
-- The mark is a transaction-local setting the function sets and clears. It is not a security
-- boundary and does not need to be one: row-level security still decides what may be deleted, and
-- an organiser who can write to the event can restore it anyway. It keeps the read-only guard
-- against mistakes while letting the one deliberate, owner-only erasure through.

CREATE OR REPLACE FUNCTION eventflow.refuse_change_in_archived_event() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = ''
AS $$
DECLARE
    row_event uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.event_id ELSE NEW.event_id END;
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('eventflow.erasing_in_event', true) = OLD.event_id::text THEN
        RETURN OLD;
    END IF;
    IF EXISTS (SELECT FROM public.events AS e WHERE e.id = row_event AND e.archived_at IS NOT NULL)
       OR (TG_OP = 'UPDATE' AND OLD.event_id IS DISTINCT FROM NEW.event_id
           AND EXISTS (SELECT FROM public.events AS e WHERE e.id = OLD.event_id AND e.archived_at IS NOT NULL)) THEN
        RAISE EXCEPTION 'this event is archived and read-only: restore it first'
            USING ERRCODE = 'EF010';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

CREATE OR REPLACE FUNCTION eventflow.erase_participant(target_event uuid, target uuid) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = ''
AS $$
DECLARE
    org uuid := eventflow.owned_participant_organization(target_event, target);
    anonymous uuid := gen_random_uuid();
BEGIN
    PERFORM set_config('eventflow.erasing_in_event', target_event::text, true);
    DELETE FROM public.participants AS p WHERE p.organization_id = org AND p.id = target;
    PERFORM set_config('eventflow.erasing_in_event', '', true);
    UPDATE public.assignment_history AS h SET participant_id = anonymous
     WHERE h.organization_id = org AND h.participant_id = target;
    DELETE FROM public.participant_log AS l WHERE l.organization_id = org AND l.participant_id = target;
    INSERT INTO public.participant_log (organization_id, event_id, participant_id, action, organiser_id)
    VALUES (org, target_event, anonymous, 'erased', eventflow.current_organiser_id());
    RETURN anonymous;
END
$$;
REVOKE ALL ON FUNCTION eventflow.erase_participant(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventflow.erase_participant(uuid, uuid) TO eventflow_app;
