-- 004: track_statistics — how an event's participants are spread over its active tracks.
--
-- As in the seed: only is_active tracks count, and the percentage is against the number of
-- distinct participants of the event who are in at least one active track (so a participant in
-- two tracks counts in both rows, and the percentages may add up to more than 100).
-- security_invoker: the view runs with the caller's rights, so row-level security of the
-- underlying tables applies to whoever reads it.
-- Counts are grouped before they meet the (few) tracks, every join carries event_id, and both
-- subqueries are grouped by it, so a filter on event_id reaches each table's event index: the view
-- costs one event's rows, not the whole database's (tests/test_query_plans.py holds it to that).
-- The distinct people are found by a hashable DISTINCT rather than count(DISTINCT), which sorts.

CREATE VIEW track_statistics WITH (security_invoker = true) AS
SELECT t.event_id,
       t.id AS track_id,
       t.name AS track_name,
       coalesce(per_track.participant_count, 0) AS participant_count,
       coalesce(round(100.0 * per_track.participant_count / nullif(totals.participants_in_active_tracks, 0), 2),
                0)::numeric(5, 2) AS percentage,
       t.organization_id
  FROM tracks AS t
  LEFT JOIN (SELECT pt.organization_id, pt.event_id, pt.track_id, count(*) AS participant_count
               FROM participant_tracks AS pt
              GROUP BY pt.organization_id, pt.event_id, pt.track_id) AS per_track
         ON per_track.organization_id = t.organization_id AND per_track.event_id = t.event_id
        AND per_track.track_id = t.id
  LEFT JOIN (SELECT people.organization_id, people.event_id, count(*) AS participants_in_active_tracks
               FROM (SELECT DISTINCT apt.organization_id, apt.event_id, apt.participant_id
                       FROM participant_tracks AS apt
                       JOIN tracks AS at ON at.organization_id = apt.organization_id AND at.event_id = apt.event_id
                                        AND at.id = apt.track_id
                      WHERE at.is_active) AS people
              GROUP BY people.organization_id, people.event_id) AS totals
         ON totals.organization_id = t.organization_id AND totals.event_id = t.event_id
 WHERE t.is_active;

GRANT SELECT ON track_statistics TO eventflow_app;
