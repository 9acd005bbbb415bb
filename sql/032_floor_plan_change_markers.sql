-- 032: moving a table on the floor plan or changing a room element moves the event's change
-- marker too (migration 025), so the floor plan's cross-session cache can be keyed by that marker
-- (eventflow/floor_plan.py, load_drawn_plan) instead of a fingerprint query that summed every
-- row the plan is drawn from (participants, seats, tables, places, room, rules) on every page run.
--
-- The same statement-level triggers as 025: one bump per statement and event touched, written by
-- the database (SECURITY DEFINER function of 025), so no writer can forget it.

DO $$
DECLARE
    watched text;
BEGIN
    FOREACH watched IN ARRAY ARRAY['table_layouts', 'room_elements']
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
