-- 010: participant_track_names — the names of a participant's active tracks, in one place.
--
-- The seating grid, the tables overview, the participants list and export, and auto-seat's
-- matching data each wrote their own query for this; the participants list counted inactive
-- tracks too. Now all of them read this view, and like track_statistics it counts active tracks
-- only (a deactivated track keeps the participants' choices but is left out everywhere).
-- security_invoker: row-level security of the underlying tables applies to whoever reads it.
-- Grouped by event_id as well, so a filter on event_id reaches the tables' event indexes.

CREATE VIEW participant_track_names WITH (security_invoker = true) AS
SELECT pt.organization_id,
       pt.event_id,
       pt.participant_id,
       array_agg(t.name ORDER BY t.name) AS track_names
  FROM participant_tracks AS pt
  JOIN tracks AS t ON t.organization_id = pt.organization_id AND t.event_id = pt.event_id AND t.id = pt.track_id
 WHERE t.is_active
 GROUP BY pt.organization_id, pt.event_id, pt.participant_id;

GRANT SELECT ON participant_track_names TO eventflow_app;
