"""Importing a participant list as it comes from real spreadsheets, and re-importing it as an update.

Three steps, nothing written before the last:

1. :func:`read_table` reads the file (UTF-8, or UTF-16 with a byte-order mark; comma, semicolon or
   tab) into a header and rows. Any column is accepted here.
2. :func:`suggest_mapping` maps each column to a field (forgiving about case, spaces and common
   names: "Diet", "Wheelchair", "Plus one of" …); the organiser may change it, or ignore a column.
3. :func:`plan_import` compares the file with the event, keyed by e-mail (in the one form
   :func:`eventflow.emails.canonical_email` gives): people added, changed (field by field),
   unchanged, and people of the event missing from the file (offered for removal, never removed
   silently); tracks the file names that do not exist yet (created by the import, and said so);
   plus-ones, which become keep-together rules; and every problem per line, including likely
   duplicates (the same e-mail twice, or the same name and company without an e-mail).
   :func:`apply_import` writes a plan without problems in one transaction, refusing if anyone
   it changes was changed by someone else since the preview.
"""

from __future__ import annotations

import codecs
import csv
import functools
import hashlib
import io
import json
import re
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import cast
from uuid import UUID

from sqlalchemy import CursorResult, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from eventflow import formatting, text_rules
from eventflow.emails import EMAIL_MAX, EMAIL_PATTERN, canonical_email
from eventflow.errors import InputError, Outcome, describe_database_error, nothing_was, require_editor
from eventflow.history import begin_change_set
from eventflow.participants import split_list

# An event's participant list, with room to spare (the demo conference has 400). A bigger file is
# refused as a whole: its preview alone would hold the server's memory for minutes.
MAX_IMPORT_ROWS = 20_000
# Blank lines and quoted line breaks count here; far beyond any real list, far below 5 MB of newlines.
MAX_IMPORT_LINES = 5 * MAX_IMPORT_ROWS
# An event has a handful of tracks (the demo six). Hundreds of new ones mean the wrong column was
# taken for Tracks (a company or a free-text column), not a programme.
MAX_NEW_TRACKS = 100
INTEREST_MAX = 100  # as in the person form


def fold(value: str) -> str:
    """Names compared without accents, case or extra spaces ("José  García" is "jose garcia")."""
    return formatting.fold(" ".join(value.split()))

# The fields a column can fill, in the order the preview shows them, with the organisers' words.
FIELDS: dict[str, str] = {
    "name": "Name", "email": "E-mail", "company": "Company", "tracks": "Tracks", "vip": "VIP",
    "networking_opt_in": "Networking opt-in", "interests": "Interests", "dietary": "Dietary requirement",
    "needs_accessible": "Needs an accessible table", "accessibility": "Accessibility needs", "note": "Note",
    "plus_one_of": "Plus-one of (e-mail or name)",
}
IGNORE = ""
_ALIASES = {
    "full_name": "name", "participant": "name", "e_mail": "email", "mail": "email", "organisation": "company",
    "organization": "company", "track": "tracks", "is_vip": "vip", "networking": "networking_opt_in",
    "opt_in": "networking_opt_in", "interest": "interests",
    "diet": "dietary", "dietary_requirements": "dietary", "dietary_requirement": "dietary", "dietary_needs": "dietary",
    "food": "dietary", "allergies": "dietary", "meal": "dietary",
    "wheelchair": "needs_accessible", "accessible": "needs_accessible", "accessible_table": "needs_accessible",
    "step_free": "needs_accessible", "accessibility_needs": "accessibility", "access_needs": "accessibility",
    "notes": "note", "comment": "note", "comments": "note", "remarks": "note",
    "plus_one": "plus_one_of", "plus_one_of": "plus_one_of", "guest_of": "plus_one_of", "partner_of": "plus_one_of",
    "companion_of": "plus_one_of", "comes_with": "plus_one_of", "first_name_last_name": "name", "attendee": "name",
}
_LIMITS = {"name": 300, "company": 300, "dietary": 200, "accessibility": 200, "note": 1000}
_DELIMITERS = (",", ";", "\t")
MAX_COLUMNS = 60  # each column gets a mapping choice on screen
# Compared field by field; a column that is not in the file changes nothing.
_COMPARED = ("name", "company", "tracks", "vip", "networking_opt_in", "interests", "dietary", "needs_accessible",
             "accessibility", "note")


_TRUE = {"yes", "y", "true", "1", "x", "ja", "oui"}
_FALSE = {"no", "n", "false", "0", "nein", "non"}


def check_upload_size(size_bytes: int, limit_mb: int) -> None:
    """:class:`InputError` for a file over the limit, before anything reads it."""
    if size_bytes > limit_mb * 1024 * 1024:
        raise InputError(
            f"The file is {size_bytes / 1024 / 1024:.1f} MB; the limit is {limit_mb} MB. Split it into smaller files.")


@functools.lru_cache(maxsize=256)  # a hostile header repeats one name hundreds of thousands of times
def _field_of(name: str) -> str:
    key = re.sub(r"[\s\-]+", "_", name.strip().lower())
    return _ALIASES.get(key, key)


def _flag(value: str, column: str) -> bool | None:
    cleaned = value.strip().lower()
    if not cleaned:
        return None
    if cleaned in _TRUE:
        return True
    if cleaned in _FALSE:
        return False
    raise ValueError(f"{column} “{value.strip()}” is not yes or no")


def _too_long(what: str) -> str:
    return (f"The file has {what}; an import takes up to {MAX_IMPORT_ROWS:,} participants. "
            "Split it into smaller files.")


@dataclass(frozen=True)
class RawTable:
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]  # (line in the file, cells)
    file_error: str | None = None


def read_table(data: bytes, limit_mb: int) -> RawTable:
    """The file's header and rows, every column kept; a file that cannot be read says why."""
    check_upload_size(len(data), limit_mb)
    encoding = "utf-16" if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8-sig"
    try:
        content = data.decode(encoding)
    except UnicodeDecodeError:
        return RawTable((), (), "The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.")
    if not content.strip():
        return RawTable((), (), "The file is empty.")
    first_line = re.split(r"\r\n|\r|\n", content, maxsplit=1)[0]
    delimiter = max(_DELIMITERS, key=first_line.count)
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    rows: list[tuple[int, tuple[str, ...]]] = []
    record_end = 0  # the last line of the last record read: a cell too big is on the line after it
    try:
        header = tuple(cell.strip() for cell in next(reader))
        record_end = reader.line_num
        if len(header) > MAX_COLUMNS:
            return RawTable((), (), f"The file has {len(header):,} columns; a participant list has at most "
                                    f"{MAX_COLUMNS}. Is this the right file?")
        for cells in reader:
            # A quoted cell may span lines: name the line the row starts on, as a spreadsheet shows it.
            line, record_end = record_end + 1, reader.line_num
            if record_end > MAX_IMPORT_LINES:
                return RawTable((), (), _too_long(f"more than {MAX_IMPORT_LINES:,} lines"))
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) == MAX_IMPORT_ROWS:
                return RawTable((), (), _too_long(f"more than {MAX_IMPORT_ROWS:,} participants"))
            rows.append((line, tuple(cells)))
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            return RawTable((), (), f"Line {record_end + 1} has a cell of more than {csv.field_size_limit():,} "
                                    "characters: this is not a participant list.")
        return RawTable((), (), f"The file is not valid CSV near line {reader.line_num}: {error}.")
    if not rows:
        return RawTable((), (), "The file has a header but no participants.")
    return RawTable(header, tuple(rows))


def file_digest(data: bytes) -> str:
    """Which file this is (SHA-256): a page reads each uploaded file once, not on every click."""
    return hashlib.sha256(data).hexdigest()


def read_upload_once(store: MutableMapping[str, object], data: bytes, limit_mb: int) -> tuple[str, RawTable]:
    """:func:`read_table` once per uploaded file, with the file's digest. ``store`` (the organiser's
    session state) keeps the last file read: every click reruns the page, and a 5 MB file takes a
    second to read. A file over the limit is refused before it is hashed or read."""
    check_upload_size(len(data), limit_mb)
    digest = file_digest(data)
    if store.get("digest") != digest:
        store.clear()  # the plan of another file goes too
        store.update(digest=digest, table=read_table(data, limit_mb))
    return digest, cast(RawTable, store["table"])


def suggest_mapping(header: Sequence[str]) -> dict[int, str]:
    """{column index: field or IGNORE}: each field taken by its first matching column only."""
    mapping: dict[int, str] = {}
    taken: set[str] = set()
    for index, name in enumerate(header):
        key = _field_of(name[:200])
        if key in FIELDS and key not in taken:
            mapping[index] = key
            taken.add(key)
        else:
            mapping[index] = IGNORE
    return mapping


@dataclass(frozen=True)
class Existing:
    participant_id: str
    version: int
    values: Mapping[str, object]  # the compared fields, as stored (tracks by name, interests as a tuple)


@dataclass(frozen=True)
class EventPeople:
    """What a file is compared with: the event's people and tracks."""

    people: tuple[Existing, ...]
    tracks: Mapping[str, tuple[str, str, bool]]  # folded name -> (id, name, active)

    def fingerprint(self) -> str:
        """Changes whenever a person or track changes (ids and versions): a plan made against the
        same fingerprint is still the plan for this event."""
        digest = hashlib.sha256()
        for person in self.people:
            digest.update(f"{person.participant_id}:{person.version};".encode())
        digest.update(repr(sorted(self.tracks.items())).encode())
        return digest.hexdigest()

    def by_email(self) -> dict[str, Existing]:
        return {canonical_email(str(p.values["email"])): p for p in self.people if p.values.get("email")}


def event_people(session: Session, event_id: UUID) -> EventPeople:
    rows = session.execute(text(
        """
        SELECT p.id::text AS participant_id, p.version, p.full_name AS name, p.email, p.company, p.is_vip AS vip,
               p.networking_opt_in, p.interests, p.dietary, p.needs_accessible, p.accessibility, p.note,
               coalesce(tr.track_names, '{}') AS tracks
          FROM participants AS p
          LEFT JOIN participant_track_names AS tr
                 ON tr.organization_id = p.organization_id AND tr.event_id = p.event_id AND tr.participant_id = p.id
         WHERE p.event_id = :event_id
         ORDER BY lower(p.full_name), p.id
        """), {"event_id": event_id}).mappings().all()
    people = tuple(Existing(r["participant_id"], r["version"], {
        "name": r["name"], "email": r["email"], "company": r["company"], "tracks": tuple(sorted(r["tracks"])),
        "vip": r["vip"], "networking_opt_in": r["networking_opt_in"], "interests": tuple(r["interests"]),
        "dietary": r["dietary"], "needs_accessible": r["needs_accessible"], "accessibility": r["accessibility"],
        "note": r["note"]}) for r in rows)
    tracks = {fold(r.name): (str(r.id), r.name, r.is_active) for r in session.execute(
        text("SELECT id, name, is_active FROM tracks WHERE event_id = :event_id"), {"event_id": event_id})}
    return EventPeople(people, tracks)


@dataclass(frozen=True)
class Change:
    field: str
    before: object
    after: object


@dataclass
class PlannedRow:
    line: int
    values: dict[str, object]
    status: str = "added"  # added | changed | unchanged
    participant_id: str | None = None
    version: int | None = None
    changes: list[Change] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class ImportPlan:
    rows: list[PlannedRow]
    mapped: tuple[str, ...]  # the fields the file fills
    new_tracks: list[str]
    missing: list[Existing]
    plus_ones: list[tuple[int, str]]  # (line, whom they come with) as typed
    groups: list[list[str]] = field(default_factory=list)  # keys (line:N or id:UUID) kept together
    notes: list[str] = field(default_factory=list)  # worth a look, not a problem (nothing is refused for them)

    @property
    def problems(self) -> dict[int, list[str]]:
        return {row.line: row.problems for row in self.rows if row.problems}

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status and not row.problems)


def _shown(value: object) -> str:
    if value is None or value == "":
        return "(blank)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) or "(none)"
    return str(value)


def describe_change(change: Change) -> str:
    return f"{FIELDS[change.field]}: {_shown(change.before)} → {_shown(change.after)}"


def plan_import(table: RawTable, mapping: Mapping[int, str], event: EventPeople) -> ImportPlan:
    """Compare the file with the event; nothing is written. See the module's description."""
    chosen = [f for f in mapping.values() if f]
    twice = sorted({f for f in chosen if chosen.count(f) > 1})
    if twice:
        raise InputError("Each field can be filled by one column only; chosen more than once: "
                         + ", ".join(FIELDS[f] for f in twice) + ".")
    if "name" not in chosen:
        raise InputError("Choose the column that holds the names (every participant needs one).")
    mapped = tuple(f for f in FIELDS if f in chosen)
    existing_by_email = event.by_email()
    by_name_company: dict[tuple[str, str], Existing] = {}
    for person in event.people:
        if not person.values.get("email"):
            by_name_company.setdefault((fold(str(person.values["name"])), fold(str(person.values["company"] or ""))),
                                       person)
    rows: list[PlannedRow] = []
    new_tracks: dict[str, str] = {}
    seen_email: dict[str, int] = {}
    seen_name: dict[tuple[str, str], int] = {}
    plus_ones: list[tuple[int, str]] = []
    matched: set[str] = set()
    for line, cells in table.rows:
        problems: list[str] = []
        if len(cells) > len(table.header):
            problems.append(f"{len(cells)} cells but the header has {len(table.header)} columns")
        raw = {f: (cells[i].strip() if i < len(cells) else "") for i, f in mapping.items() if f}
        for f, value in raw.items():
            reason = text_rules.problem(value, FIELDS[f].lower(), email=f == "email")
            if reason:
                problems.append(reason)
        values: dict[str, object] = {}
        name = " ".join(raw.get("name", "").split())
        if not name:
            problems.append("name is missing")
        values["name"] = name
        for f in ("company", "dietary", "accessibility"):
            if f in raw:
                values[f] = " ".join(raw[f].split()) or None
        if "note" in raw:
            values["note"] = raw["note"] or None
        for f, limit in _LIMITS.items():
            if isinstance(values.get(f), str) and len(values[f]) > limit:  # type: ignore[arg-type]
                problems.append(f"{FIELDS[f].lower()} is longer than {limit} characters")
        for f in ("vip", "needs_accessible", "networking_opt_in"):
            if f in raw:
                try:
                    flag = _flag(raw[f], FIELDS[f])
                except ValueError as error:
                    problems.append(str(error))
                    flag = None
                if f == "networking_opt_in":
                    if flag is not None:  # blank: the event's default for new people, unchanged for others
                        values[f] = flag
                else:
                    values[f] = bool(flag)
        if "interests" in raw:
            interests = tuple(split_list(raw["interests"]))
            values["interests"] = interests
            if any(len(interest) > INTEREST_MAX for interest in interests):
                problems.append(f"an interest is longer than {INTEREST_MAX} characters (separate interests "
                                "with ; or ,)")
        if "tracks" in raw:
            names: list[str] = []
            for wanted in split_list(raw["tracks"]):
                known = event.tracks.get(fold(wanted))
                if known is not None and not known[2]:
                    problems.append(f"track “{known[1]}” is deactivated (reactivate it on Event settings, or "
                                    "remove it from the file)")
                elif known is not None:
                    names.append(known[1])
                elif len(wanted) > 200:
                    problems.append("a track name is longer than 200 characters")
                else:
                    names.append(new_tracks.setdefault(fold(wanted), wanted))
            values["tracks"] = tuple(sorted(dict.fromkeys(names)))
        email = raw.get("email", "")
        existing = None
        if email:
            if len(email) > EMAIL_MAX or not EMAIL_PATTERN.match(email):
                problems.append(f"e-mail “{email}” is not an e-mail address")
            else:
                key = canonical_email(email)
                values["email"] = key
                if key in seen_email:
                    problems.append(f"likely duplicate: {email} also appears on line {seen_email[key]}")
                else:
                    seen_email[key] = line
                    existing = existing_by_email.get(key)
        elif name:
            key2 = (fold(name), fold(str(values.get("company") or "")))
            if key2 in seen_name:
                problems.append(f"likely duplicate: the same name and company, without an e-mail, as line "
                                f"{seen_name[key2]} (give them e-mails, or remove one line)")
            else:
                seen_name[key2] = line
                existing = by_name_company.get(key2)
        if raw.get("plus_one_of"):
            plus_ones.append((line, raw["plus_one_of"]))
        row = PlannedRow(line, values, problems=problems)
        if existing is not None and existing.participant_id not in matched:
            matched.add(existing.participant_id)
            row.participant_id, row.version = existing.participant_id, existing.version
            row.changes = [Change(f, existing.values.get(f), values[f]) for f in _COMPARED
                           if f in values and _normal(existing.values.get(f)) != _normal(values[f])]
            row.status = "changed" if row.changes else "unchanged"
        rows.append(row)
    if len(new_tracks) > MAX_NEW_TRACKS:
        raise InputError(f"The Tracks column names {len(new_tracks):,} tracks this event does not have; an import "
                         f"creates at most {MAX_NEW_TRACKS}. Is it the right column? Choose another one for Tracks, "
                         "or ignore it.")
    missing = [p for p in event.people if p.participant_id not in matched]
    plan = ImportPlan(rows, mapped, sorted(new_tracks.values(), key=str.casefold), missing, plus_ones,
                      notes=_competing_columns(table, mapping))
    _plan_plus_ones(plan, event)
    return plan


def _competing_columns(table: RawTable, mapping: Mapping[int, str]) -> list[str]:
    """Ignored columns named like a field another column fills ("Email" and "E-mail"), that hold
    something: which one holds the address is anyone's guess, and the other's cells are not imported."""
    filled_by = {f: index for index, f in sorted(mapping.items(), reverse=True) if f}
    notes = []
    for index, name in enumerate(table.header):
        f = _field_of(name[:200])
        if mapping.get(index, IGNORE) == IGNORE and f in filled_by and any(
                index < len(cells) and cells[index].strip() for _, cells in table.rows):
            notes.append(f"Column “{name}” also looks like {FIELDS[f]}, and is ignored: column "
                         f"“{table.header[filled_by[f]]}” fills {FIELDS[f]}. Check above that this is the right one.")
    return notes


def _normal(value: object) -> object:
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return None if value == "" else value


def _plan_plus_ones(plan: ImportPlan, event: EventPeople) -> None:
    """Each plus-one names the person they come with (an e-mail or a name, in the file or already in
    the event): the pairs become groups kept together (a couple with a child is one group of three)."""
    if not plan.plus_ones:
        return
    by_line = {row.line: row for row in plan.rows}
    keys: dict[str, str] = {}  # e-mail or folded name -> person key
    for person in event.people:
        if person.values.get("email"):
            keys.setdefault(canonical_email(str(person.values["email"])), f"id:{person.participant_id}")
        keys.setdefault(fold(str(person.values["name"])), f"id:{person.participant_id}")
    for row in plan.rows:
        key = f"id:{row.participant_id}" if row.participant_id else f"line:{row.line}"
        if row.values.get("email"):
            keys[str(row.values["email"])] = key
        keys[fold(str(row.values["name"]))] = key
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        top = key
        while parent.setdefault(top, top) != top:
            top = parent[top]
        while key != top:  # every key on the way now points at the top: a chain of 20,000 plus-ones stays linear
            parent[key], key = top, parent[key]
        return top

    for line, whom in plan.plus_ones:
        row = by_line[line]
        own = f"id:{row.participant_id}" if row.participant_id else f"line:{line}"
        target = keys.get(canonical_email(whom)) if "@" in whom else keys.get(fold(" ".join(whom.split())))
        if target is None:
            row.problems.append(f"plus-one of “{whom}”, who is neither in the file nor in this event")
        elif target == own:
            row.problems.append("is given as their own plus-one")
        else:
            parent[root(own)] = root(target)
    groups: dict[str, list[str]] = {}
    for key in list(parent):
        groups.setdefault(root(key), []).append(key)
    plan.groups = [sorted(members) for members in groups.values() if len(members) > 1]


def plan_summary(plan: ImportPlan) -> str:
    parts = [f"{plan.count('added')} to add", f"{plan.count('changed')} to change",
             f"{plan.count('unchanged')} unchanged"]
    if plan.missing:
        parts.append(f"{len(plan.missing)} in the event but not in the file")
    return ", ".join(parts)


@dataclass(frozen=True)
class ImportResult(Outcome):
    added: int = 0
    changed: int = 0
    removed: int = 0
    tracks_created: int = 0
    groups: int = 0


def _imported(added: int, changed: int, removed: int, tracks_created: int, groups: int) -> ImportResult:
    said = [f"Added {added}", f"updated {changed}"]
    if removed:
        said.append(f"removed {removed}")
    text_ = ", ".join(said) + " participants"
    if tracks_created:
        text_ += f"; created {tracks_created} track{'s' if tracks_created != 1 else ''}"
    if groups:
        text_ += f"; {groups} plus-one group{'s' if groups != 1 else ''} kept together"
    return ImportResult(True, text_ + ".", added=added, changed=changed, removed=removed,
                        tracks_created=tracks_created, groups=groups)


def apply_import(session: Session, event_id: UUID, plan: ImportPlan, *, remove_missing: bool = False) -> ImportResult:
    """Write a plan without problems, in the caller's transaction (all or nothing)."""
    if not plan.ok:
        raise InputError(nothing_was("imported", "some rows have problems; fix the file and upload it again."))
    require_editor(session, event_id, "imported")
    begin_change_set(session, "import")
    try:
        return _apply(session, event_id, plan, remove_missing)
    except DBAPIError as error:
        session.rollback()
        raise InputError(describe_database_error(error, "imported")) from None


def _apply(session: Session, event_id: UUID, plan: ImportPlan, remove_missing: bool) -> ImportResult:
    # Nobody the plan changes or removes was changed since the preview.
    expected = {r.participant_id: r.version for r in plan.rows if r.participant_id and r.status == "changed"}
    if remove_missing:
        expected.update({p.participant_id: p.version for p in plan.missing})
    if expected:
        current: dict[str, int] = dict(session.execute(text(
            "SELECT id::text, version FROM participants WHERE event_id = :e AND id = ANY (CAST(:ids AS uuid[]))"),
            {"e": event_id, "ids": list(expected)}).all())
        stale = [pid for pid, version in expected.items() if current.get(pid) != version]
        if stale:
            raise InputError(nothing_was("imported", f"{len(stale)} of these people were changed or removed by "
                                                     "someone else since the preview. Upload the file again."))
    created = 0
    track_ids = {fold(name): tid for tid, name, _ in ((t[0], t[1], t[2]) for t in _tracks(session, event_id))}
    for name in plan.new_tracks:
        if fold(name) not in track_ids:
            track_ids[fold(name)] = str(session.execute(text(
                "INSERT INTO tracks (event_id, name) VALUES (:e, :n) RETURNING id"), {"e": event_id, "n": name}
            ).scalar_one())
            created += 1
    keys: dict[str, str] = {}
    added = changed = 0
    for row in plan.rows:
        v = row.values
        if row.status == "added":
            pid = str(session.execute(text(
                """
                INSERT INTO participants (event_id, full_name, email, company, is_vip, networking_opt_in, interests,
                                          dietary, needs_accessible, accessibility, note)
                VALUES (:e, :name, :email, :company, :vip, :opt_in, CAST(:interests AS text[]), :dietary,
                        :needs_accessible, :accessibility, :note)
                RETURNING id
                """), {"e": event_id, "name": v["name"], "email": v.get("email"), "company": v.get("company"),
                       "vip": bool(v.get("vip", False)), "opt_in": v.get("networking_opt_in"),
                       "interests": list(cast(Iterable[str], v.get("interests", ()))), "dietary": v.get("dietary"),
                       "needs_accessible": bool(v.get("needs_accessible", False)),
                       "accessibility": v.get("accessibility"), "note": v.get("note")}).scalar_one())
            added += 1
            keys[f"line:{row.line}"] = pid
        else:
            pid = str(row.participant_id)
            keys[f"id:{pid}"] = pid
            if row.status == "changed":
                columns = {c.field for c in row.changes} - {"tracks"}
                if columns:
                    assignments = ", ".join(f"{_COLUMN[c]} = {_CAST.get(c, ':' + c)}" for c in sorted(columns))
                    session.execute(text(f"UPDATE participants SET {assignments} WHERE event_id = :e AND id = :pid"),
                                    {"e": event_id, "pid": pid, **{c: _db_value(c, v[c]) for c in columns}})
                changed += 1
        if "tracks" in v and (row.status == "added" or any(c.field == "tracks" for c in row.changes)):
            wanted = [track_ids[fold(str(n))] for n in cast(Iterable[str], v["tracks"])]
            session.execute(text(
                """
                DELETE FROM participant_tracks AS pt USING tracks AS t
                 WHERE pt.participant_id = :pid AND t.organization_id = pt.organization_id AND t.id = pt.track_id
                   AND t.is_active AND NOT pt.track_id = ANY (CAST(:ids AS uuid[]))
                """), {"pid": pid, "ids": wanted})
            session.execute(text(
                "INSERT INTO participant_tracks (event_id, participant_id, track_id) "
                "SELECT :e, :pid, t FROM unnest(CAST(:ids AS uuid[])) AS t ON CONFLICT DO NOTHING"),
                {"e": event_id, "pid": pid, "ids": wanted})
    for group in plan.groups:
        for key in group:
            keys.setdefault(key, key.partition(":")[2])
    groups = 0
    for group in plan.groups:
        members = sorted({keys[k] for k in group})
        already = session.execute(text(
            """
            SELECT count(*) FROM seating_rules AS r
             WHERE r.event_id = :e AND r.kind = 'together'
               AND (SELECT array_agg(m.participant_id::text ORDER BY m.participant_id::text) FROM seating_rule_members m
                     WHERE m.organization_id = r.organization_id AND m.rule_id = r.id) @> CAST(:ids AS text[])
            """), {"e": event_id, "ids": members}).scalar_one()
        if already:
            continue
        rule = session.execute(text("INSERT INTO seating_rules (event_id, kind, note) VALUES (:e, 'together', "
                                    "'plus-one (import)') RETURNING organization_id, id"), {"e": event_id}).one()
        session.execute(text(
            "INSERT INTO seating_rule_members (organization_id, event_id, rule_id, participant_id) "
            "SELECT :o, :e, :r, p FROM unnest(CAST(:ids AS uuid[])) AS p"),
            {"o": rule.organization_id, "e": event_id, "r": rule.id, "ids": members})
        groups += 1
    removed = 0
    if remove_missing and plan.missing:
        removed = cast(CursorResult, session.execute(text("DELETE FROM participants WHERE event_id = :e "
                                       "AND id = ANY (CAST(:ids AS uuid[]))"),
                                  {"e": event_id, "ids": [p.participant_id for p in plan.missing]})).rowcount
    return _imported(added, changed, removed, created, groups)


_COLUMN = {"name": "full_name", "company": "company", "vip": "is_vip", "networking_opt_in": "networking_opt_in",
           "interests": "interests", "dietary": "dietary", "needs_accessible": "needs_accessible",
           "accessibility": "accessibility", "note": "note"}
_CAST = {"interests": "CAST(:interests AS text[])"}


def _db_value(column: str, value: object) -> object:
    return list(value) if column == "interests" else value  # type: ignore[call-overload]


def _tracks(session: Session, event_id: UUID) -> list[tuple[str, str, bool]]:
    return [(str(r.id), r.name, r.is_active) for r in session.execute(
        text("SELECT id, name, is_active FROM tracks WHERE event_id = :e"), {"e": event_id})]


def preview_rows(plan: ImportPlan, *, problems_only: bool = False) -> list[dict[str, object]]:
    """The preview as a table: the problem (or what changes) next to the name, so it is in view."""
    shown = []
    for row in plan.rows:
        if problems_only and not row.problems:
            continue
        status = "problem" if row.problems else row.status
        detail = " · ".join(row.problems) if row.problems else (
            " · ".join(describe_change(c) for c in row.changes) if row.changes else "")
        shown.append({"line": row.line, "name": row.values.get("name", ""), "status": status, "details": detail,
                      "email": row.values.get("email") or ""})
    return shown


def plan_once(store: MutableMapping[str, object], table: RawTable, mapping: Mapping[int, str],
              event: EventPeople) -> ImportPlan:
    """:func:`plan_import`, again only when the file (``store`` of :func:`read_upload_once`), the
    mapping or the event changed: a 20,000-row plan takes seconds, and every click reruns the page.
    A mapping that is refused is refused again on the next rerun."""
    key = (store.get("digest"), json.dumps(sorted(mapping.items())), event.fingerprint())
    if store.get("plan_key") != key:
        store.pop("plan_key", None)
        store["plan"] = plan_import(table, mapping, event)
        store["plan_key"] = key
    return cast(ImportPlan, store["plan"])
