-- 004: track_statistics — how an event's participants are spread over its active tracks.
--
-- As in the seed: only is_active tracks count, and the percentage is against the number of
-- distinct participants of the event who are in at least one active track (so a participant in
-- two tracks counts in both rows, and the percentages may add up to more than 100).
-- security_invoker: the view runs with the caller's rights, so row-level security of the
-- underlying tables applies to whoever reads it.
-- Every join carries event_id, and the per-event totals are a subquery grouped by it, so a
-- filter on event_id reaches each table's event index: the view costs one event's rows, not the
-- whole database's (tests/test_query_plans.py holds it to that).

CREATE VIEW track_statistics WITH (security_invoker = true) AS
SELECT t.event_id,
       t.id AS track_id,
       t.name AS track_name,
       count(pt.participant_id) AS participant_count,
       coalesce(round(100.0 * count(pt.participant_id) / nullif(totals.participants_in_active_tracks, 0), 2),
                0)::numeric(5, 2) AS percentage,
       t.organization_id
  FROM tracks AS t
  LEFT JOIN participant_tracks AS pt
         ON pt.organization_id = t.organization_id AND pt.event_id = t.event_id AND pt.track_id = t.id
  LEFT JOIN (SELECT apt.organization_id, apt.event_id,
                    count(DISTINCT apt.participant_id) AS participants_in_active_tracks
               FROM participant_tracks AS apt
               JOIN tracks AS at ON at.organization_id = apt.organization_id AND at.event_id = apt.event_id
                                AND at.id = apt.track_id
              WHERE at.is_active
              GROUP BY apt.organization_id, apt.event_id) AS totals
         ON totals.organization_id = t.organization_id AND totals.event_id = t.event_id
 WHERE t.is_active
 GROUP BY t.organization_id, t.event_id, t.id, t.name, totals.participants_in_active_tracks;

GRANT SELECT ON track_statistics TO eventflow_app;
