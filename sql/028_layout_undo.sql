-- 028: undoing layout changes — each undo names the change set it undid.
--
-- The floor plan's "Undo" restores the layout rows a change set changed (from layout_history's
-- old_state). The undo is a change set of its own (kind 'undo'); its history rows carry the id of the
-- change set they undid, set by the client as eventflow.undoes_change_set for that transaction only,
-- so a change is undone at most once and the next undo reaches further back. Only the trigger
-- writes the column; the app still only reads layout_history.

ALTER TABLE layout_history ADD COLUMN undoes_change_set uuid;
CREATE INDEX layout_history_undoes_idx ON layout_history (organization_id, undoes_change_set)
    WHERE undoes_change_set IS NOT NULL;
CREATE INDEX layout_history_change_set_idx ON layout_history (organization_id, change_set_id);

CREATE OR REPLACE FUNCTION eventflow.record_layout_history() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = ''
AS $$
DECLARE
    change_set uuid := eventflow.current_change_set_id();
    kind text := nullif(current_setting('eventflow.change_kind', true), '');
    organiser uuid := eventflow.current_organiser_id();
    subject text := CASE TG_TABLE_NAME WHEN 'table_layouts' THEN 'table' ELSE 'element' END;
    undoes uuid := nullif(current_setting('eventflow.undoes_change_set', true), '')::uuid;
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO public.layout_history (organization_id, change_set_id, change_kind, event_id, subject,
                                           table_number, element_id, operation, new_state, organiser_id, undoes_change_set)
        SELECT (r ->> 'organization_id')::uuid, change_set, kind, (r ->> 'event_id')::uuid, subject,
               (r ->> 'table_number')::integer, CASE WHEN subject = 'element' THEN (r ->> 'id')::uuid END,
               'insert', eventflow.layout_state(r), organiser, undoes
          FROM (SELECT to_jsonb(n) AS r FROM new_rows AS n) AS x;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO public.layout_history (organization_id, change_set_id, change_kind, event_id, subject,
                                           table_number, element_id, operation, old_state, new_state, organiser_id, undoes_change_set)
        SELECT (n ->> 'organization_id')::uuid, change_set, kind, (n ->> 'event_id')::uuid, subject,
               (n ->> 'table_number')::integer, CASE WHEN subject = 'element' THEN (n ->> 'id')::uuid END,
               'update', eventflow.layout_state(o), eventflow.layout_state(n), organiser, undoes
          FROM (SELECT to_jsonb(n) AS n FROM new_rows AS n) AS nn
          -- Paired by key: an element's id, a table's number (a renumbering moves nothing).
          JOIN (SELECT to_jsonb(o) AS o FROM old_rows AS o) AS oo
            ON oo.o ->> 'organization_id' = nn.n ->> 'organization_id'
           AND oo.o ->> 'event_id' = nn.n ->> 'event_id'
           AND coalesce(oo.o ->> 'id', oo.o ->> 'table_number') = coalesce(nn.n ->> 'id', nn.n ->> 'table_number')
         WHERE eventflow.layout_state(o) IS DISTINCT FROM eventflow.layout_state(n);
    ELSE
        INSERT INTO public.layout_history (organization_id, change_set_id, change_kind, event_id, subject,
                                           table_number, element_id, operation, old_state, organiser_id, undoes_change_set)
        SELECT (r ->> 'organization_id')::uuid, change_set, kind, (r ->> 'event_id')::uuid, subject,
               (r ->> 'table_number')::integer, CASE WHEN subject = 'element' THEN (r ->> 'id')::uuid END,
               'delete', eventflow.layout_state(r), organiser, undoes
          FROM (SELECT to_jsonb(o) AS r FROM old_rows AS o) AS x;
    END IF;
    RETURN NULL;
END
$$;
