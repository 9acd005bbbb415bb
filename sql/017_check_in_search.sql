-- 017: finding a guest at the door, insensitive to accents and case ("anna muller" finds "Anna Müller").
--
-- Decision: our own SQL function rather than the unaccent extension (not available, or not
-- installable by the schema owner, on every managed service) and rather than folding in Python
-- (a second definition that the stored column and the search could drift apart on). The one
-- definition folds both the stored text and what the door staff type, so the two always agree.
--
-- eventflow.fold: Unicode compatibility decomposition (NFKD), combining marks removed, lower
-- case, the Latin letters that do not decompose spelled out (ß ss, æ ae, ø o, ł l, …), and ASCII
-- punctuation and spaces collapsed to one space. Letters of other scripts (王, Ζωή) are kept as
-- they are. IMMUTABLE: it depends on nothing but its argument (normalize() is immutable).
CREATE FUNCTION eventflow.fold(value text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = ''
RETURN btrim(regexp_replace(
    replace(replace(replace(replace(translate(
        lower(regexp_replace(normalize(value, NFKD), '[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]', '', 'g')),
        'øłđðħıŧ', 'olddhit'),
        'ß', 'ss'), 'æ', 'ae'), 'œ', 'oe'), 'þ', 'th'),
    '[[:space:][:punct:]]+', ' ', 'g'));

GRANT EXECUTE ON FUNCTION eventflow.fold(text) TO eventflow_app;

-- The folded name, company and e-mail, kept with the row by a trigger (no per-row folding at
-- search time). A trigger rather than a generated column: code that copies whole rows (the
-- isolation matrix, restores) keeps working, and whatever a row is given is recomputed. A search
-- reads one event's rows through the index below (organization_id, event_id lead; row-level
-- security adds organization_id) and compares word starts in this column; the column's
-- text_pattern_ops ordering also serves prefix searches of a whole name.
ALTER TABLE participants ADD COLUMN search_text text NOT NULL DEFAULT '';

CREATE FUNCTION eventflow.fold_participant_search_text() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = ''
AS $$
BEGIN
    NEW.search_text := eventflow.fold(NEW.full_name || ' ' || coalesce(NEW.company, '') || ' '
                                      || coalesce(NEW.email, ''));
    RETURN NEW;
END
$$;

CREATE TRIGGER participants_search_text BEFORE INSERT OR UPDATE ON participants
    FOR EACH ROW EXECUTE FUNCTION eventflow.fold_participant_search_text();

-- Existing guests, without counting it as their change (no version bump, updated_at kept), and
-- those of archived events too (the search column is not a change an organiser made).
ALTER TABLE participants DISABLE TRIGGER participants_touch;
ALTER TABLE participants DISABLE TRIGGER participants_read_only_when_archived;
UPDATE participants SET search_text = '';
ALTER TABLE participants ENABLE TRIGGER participants_read_only_when_archived;
ALTER TABLE participants ENABLE TRIGGER participants_touch;

CREATE INDEX participants_event_search_idx
    ON participants (organization_id, event_id, search_text text_pattern_ops);
