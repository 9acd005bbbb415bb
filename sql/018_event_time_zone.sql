-- 018: the event's time zone (event_settings "time_zone"), an IANA name such as Europe/Berlin, for
-- check-in times and print-outs. The application checks it against the zones it knows; the
-- database that it is text that looks like one.
ALTER TABLE events ADD CONSTRAINT events_settings_time_zone CHECK (NOT settings ? 'time_zone'
    OR (jsonb_typeof(settings -> 'time_zone') = 'string'
        AND settings ->> 'time_zone' ~ '^(UTC|[A-Za-z]+(/[A-Za-z0-9_+-]+)+)$'));
