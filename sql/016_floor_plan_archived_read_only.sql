-- 016: an archived event's floor plan is read-only too.
--
-- 012 made every table of an event's rows refuse changes while the event is archived; the floor
-- plan's tables (014) came after it, so they are protected here, by the same trigger.

SELECT eventflow.protect_archived_event_rows(t)
  FROM unnest(ARRAY['table_layouts', 'room_elements']::regclass[]) AS t;
