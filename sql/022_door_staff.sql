-- 022: door staff — a role that may check guests in and see their names and tables, and nothing else.
--
-- Row-level security decides rows, not columns, and every organiser reaches the database as the one
-- role eventflow_app, so "names and tables only" cannot be a policy on participants. Instead:
--   * 'door' is left out of eventflow.organization_ids()'s default roles, so every existing policy
--     (members read, owners and managers write) shows door staff no row of any tenant table;
--   * two read policies let them see their organisation and its events (to pick the event);
--   * three SECURITY DEFINER functions are the only way to guests: a search returning name, table,
--     seat and arrival (company only for the other roles), the door count, and check in/out. Each
--     re-checks the caller's membership of the event's organisation, so another organisation's
--     event id gets nothing. The check-in desk uses them for every role: one path, one set of rules.

ALTER TABLE memberships DROP CONSTRAINT memberships_role_check;
ALTER TABLE memberships ADD CONSTRAINT memberships_role_check
    CHECK (role IN ('owner', 'manager', 'viewer', 'door'));
ALTER TABLE invitations DROP CONSTRAINT invitations_role_check;
ALTER TABLE invitations ADD CONSTRAINT invitations_role_check
    CHECK (role IN ('owner', 'manager', 'viewer', 'door'));

CREATE POLICY organizations_door_read ON organizations FOR SELECT TO eventflow_app
    USING (id = ANY (ARRAY(SELECT unnest(eventflow.organization_ids(ARRAY['door'])))));
CREATE POLICY events_door_read ON events FOR SELECT TO eventflow_app
    USING (organization_id = ANY (ARRAY(SELECT unnest(eventflow.organization_ids(ARRAY['door'])))));

-- The caller's role in the organisation of an event (NULL: not a member, or no such event).
CREATE FUNCTION eventflow.role_for_event(event uuid) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = ''
AS $$
    SELECT m.role FROM public.events AS e
      JOIN public.memberships AS m ON m.organization_id = e.organization_id
     WHERE e.id = role_for_event.event AND m.organiser_id = eventflow.current_organiser_id()
$$;

-- Guests of an event for the door: those whose name (door staff) or name, company and e-mail
-- (other roles) has a word starting with every word of `query`, folded as in 017; or, with
-- `participant`, that one guest. Company is returned only to roles that may see it.
CREATE FUNCTION eventflow.door_guests(event uuid, query text, max_rows integer, participant uuid DEFAULT NULL)
    RETURNS TABLE (participant_id uuid, name text, company text, table_number integer, seat_number integer,
                   table_label text, checked_in_at timestamptz)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = ''
AS $$
DECLARE
    caller_role text := eventflow.role_for_event(event);
    words text[] := string_to_array(eventflow.fold(coalesce(query, '')), ' ');
BEGIN
    IF caller_role IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY
    SELECT p.id, p.full_name, CASE WHEN caller_role <> 'door' THEN p.company END, a.table_number, a.seat_number,
           t.label, p.checked_in_at
      FROM public.participants AS p
      JOIN public.events AS e ON e.organization_id = p.organization_id AND e.id = p.event_id
      LEFT JOIN public.table_assignments AS a ON a.organization_id = p.organization_id AND a.participant_id = p.id
      LEFT JOIN public.seating_tables AS t
             ON t.organization_id = a.organization_id AND t.event_id = a.event_id AND t.table_number = a.table_number
     WHERE e.id = door_guests.event AND p.event_id = door_guests.event
       AND CASE WHEN door_guests.participant IS NOT NULL THEN p.id = door_guests.participant
                ELSE eventflow.fold(coalesce(query, '')) <> ''
                     AND NOT EXISTS (
                         SELECT FROM unnest(words) AS w(word)
                          WHERE w.word <> ''
                            AND strpos(' ' || CASE WHEN caller_role = 'door' THEN eventflow.fold(p.full_name)
                                                   ELSE p.search_text END, ' ' || w.word) = 0) END
     ORDER BY lower(p.full_name), p.id
     LIMIT greatest(max_rows, 0);
END
$$;

CREATE FUNCTION eventflow.door_count(event uuid, OUT checked_in bigint, OUT expected bigint)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = ''
AS $$
    SELECT count(*) FILTER (WHERE p.checked_in_at IS NOT NULL), count(*)
      FROM public.participants AS p
     WHERE p.event_id = door_count.event AND eventflow.role_for_event(door_count.event) IS NOT NULL
$$;

-- Check a guest in (arrived) or out. Owners, managers and door staff; refused (42501) for anyone
-- else, and an event out of sight is P0002 (no_data_found). Checking in twice keeps the first arrival time. An archived event refuses it (trigger of
-- 012), as every change. Returns whether the row changed.
CREATE FUNCTION eventflow.door_check_in(event uuid, participant uuid, arrived boolean) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = ''
AS $$
DECLARE
    caller_role text := eventflow.role_for_event(event);
    changed integer;
BEGIN
    IF caller_role IS NULL THEN  -- no such event, or another organisation's: say no more than that
        RAISE EXCEPTION 'no such event' USING ERRCODE = 'no_data_found';
    END IF;
    IF caller_role NOT IN ('owner', 'manager', 'door') THEN
        RAISE EXCEPTION 'checking guests in needs door staff, a manager or an owner'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE public.participants AS p
       SET checked_in_at = CASE WHEN arrived THEN coalesce(p.checked_in_at, now()) END
     WHERE p.event_id = door_check_in.event AND p.id = door_check_in.participant
       AND (p.checked_in_at IS NOT NULL) IS DISTINCT FROM arrived;
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed > 0;
END
$$;

REVOKE ALL ON FUNCTION eventflow.role_for_event(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION eventflow.door_guests(uuid, text, integer, uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION eventflow.door_count(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION eventflow.door_check_in(uuid, uuid, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eventflow.role_for_event(uuid) TO eventflow_app;
GRANT EXECUTE ON FUNCTION eventflow.door_guests(uuid, text, integer, uuid) TO eventflow_app;
GRANT EXECUTE ON FUNCTION eventflow.door_count(uuid) TO eventflow_app;
GRANT EXECUTE ON FUNCTION eventflow.door_check_in(uuid, uuid, boolean) TO eventflow_app;
