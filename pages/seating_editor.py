"""Seating editor: the grid of participants and their seats, used live on site.

The grid is fed a snapshot that stays unchanged until a save, a reload or a filter change, so
``st.data_editor``'s row positions keep pointing at the same people. Edits made under one filter
are kept (as drafts) when the filter changes.
"""

import pandas as pd
import streamlit as st

from eventflow import formatting, seating, ui
from eventflow.events import list_tracks

context = ui.require_event()
state = st.session_state
store_key = f"seating:{context.organiser_id}:{context.event_id}"
revision = state.setdefault("seating_revision", 0)


def signature(grid: seating.SeatingGrid) -> int:
    columns = grid.frame[["participant_id", "version", "base_table", "base_seat"]]
    return int(pd.util.hash_pandas_object(columns, index=False).sum()) ^ hash(grid.tables)


fresh = context.read(seating.load_seating_grid)
store = state.get(store_key)
if store is None or store["revision"] != revision:
    store = state[store_key] = {"grid": fresh, "revision": revision, "generation": 0,
                                "drafts": seating.ChangeSet(), "view": None, "conflicts": ()}
grid: seating.SeatingGrid = store["grid"]


def pending_in_view() -> seating.ChangeSet:
    view = store["view"]
    return seating.changes_from_editor(view["frame"], state.get(view["key"])) if view else seating.ChangeSet()


has_edits = bool(store["drafts"]) or bool(pending_in_view())
if signature(fresh) != signature(grid):
    if not has_edits and not store["conflicts"]:
        # Nobody is typing here: follow what colleagues saved (a new key, so no edit can move rows).
        state["seating_revision"] = revision = revision + 1
        store = state[store_key] = {"grid": fresh, "revision": revision, "generation": 0,
                                    "drafts": seating.ChangeSet(), "view": None, "conflicts": ()}
        grid = fresh
    else:
        st.info("Colleagues changed the seating since you loaded it. Your save checks every row you "
                "edited and will not overwrite their work.", icon=":material/group:")

st.title("Seating editor")

tracks = [t.name for t in context.read(list_tracks) if t.is_active]
search_col, track_col, table_col, unseated_col, vip_col = st.columns([3, 2, 1.2, 1.2, 1])
search = search_col.text_input("Search", key="seat_search", placeholder="Name, company or e-mail")
track = track_col.selectbox("Track", [None, *tracks], key="seat_track", format_func=lambda t: t or "All tracks")
table_filter = table_col.selectbox("Table", [None, *grid.table_numbers], key="seat_table",
                                   format_func=lambda t: "All tables" if t is None else f"Table {t}")
unseated_col.markdown("&nbsp;")
unseated_only = unseated_col.toggle("Unseated only", key="seat_unseated")
vip_col.markdown("&nbsp;")
vip_only = vip_col.toggle("VIP only", key="seat_vip")
view_signature = (search.strip().lower(), track, table_filter, unseated_only, vip_only)

view = store["view"]
if view is not None and view["signature"] != view_signature:
    # The rows shown are about to change: keep what was typed under the old filter as drafts.
    store["drafts"] = seating.pending_changes(store["drafts"], pending_in_view(), grid)
    store["generation"] += 1
shown = seating.filter_grid(seating.apply_changes(grid.frame, store["drafts"]), search=search, track=track,
                            table=table_filter, unseated_only=unseated_only, vip_only=vip_only)
editor_key = f"seating_grid:{context.event_id}:{revision}:{store['generation']}"
store["view"] = {"signature": view_signature, "frame": shown, "key": editor_key}

largest_table = max(grid.table_numbers, default=1)
largest_capacity = max((t.capacity for t in grid.tables), default=1)
column_config = {
    "full_name": st.column_config.TextColumn("Name", width="medium"),
    "company": st.column_config.TextColumn("Company"),
    "email": st.column_config.TextColumn("E-mail"),
    "tracks": st.column_config.TextColumn("Tracks"),
    "is_vip": st.column_config.CheckboxColumn("VIP", width="small"),
    "networking_opt_in": st.column_config.CheckboxColumn("Opt-in", width="small"),
    "checked_in": st.column_config.CheckboxColumn("Checked in", width="small"),
    "table_number": st.column_config.NumberColumn(
        "Table", min_value=1, max_value=largest_table, step=1, format="%d", width="small",
        help="Type a table number; clear it to unseat the person."),
    "seat_number": st.column_config.NumberColumn(
        "Seat", min_value=1, max_value=largest_capacity, step=1, format="%d", width="small",
        help="Optional; must be free and within the table's capacity."),
    "assigned_by": st.column_config.TextColumn("Assigned by", width="small"),
    "assigned_at": st.column_config.DatetimeColumn("Assigned at", format="D MMM, HH:mm"),
}

grid_col, fill_col = st.columns([4, 1.3])
with grid_col:
    st.caption(f"{len(shown)} of {len(grid.frame)} participants shown"
               + ("" if context.can_edit else " · read-only"))
    st.data_editor(
        shown, key=editor_key, column_config=column_config, column_order=list(seating.DISPLAY_COLUMNS),
        disabled=True if not context.can_edit else
        [c for c in seating.GRID_COLUMNS if c not in seating.EDITABLE_COLUMNS],
        hide_index=True, num_rows="fixed", width="stretch", height=560,
    )

# A table number alone takes that table's next free seat: redraw the grid with it at once, so the
# row never shows the old seat number beside the new table.
typed_in_view = pending_in_view()
if any(not c.seat_given and c.new[0] is not None for c in typed_in_view.changes):
    store["drafts"] = seating.pending_changes(store["drafts"], typed_in_view, grid)
    store["generation"] += 1
    st.rerun()
change_set = seating.pending_changes(store["drafts"], typed_in_view, grid)
problems = seating.validate_changes(change_set, grid)

with fill_col:
    st.caption("Tables (with your unsaved edits)")
    fill = seating.table_fill(grid, change_set)
    st.dataframe(
        fill[["table", "vip", "full", "capacity", "free"]], hide_index=True, height=560,
        column_config={
            "table": st.column_config.NumberColumn("Table", format="%d", width=44),
            "vip": st.column_config.CheckboxColumn("VIP", width=40),
            # Of the table's own seats: a full 8-seat table is a full bar beside tables of 10.
            "full": st.column_config.ProgressColumn("Seated", min_value=0.0, max_value=1.0, format="percent",
                                                    width=96),
            "capacity": st.column_config.NumberColumn("Seats", width=48),
            "free": st.column_config.NumberColumn("Free", width=44),
        },
    )


def seat_text(seat: seating.Seat | None) -> str:
    return "no longer in the event" if seat is None else formatting.seat_text(*seat)


if change_set:
    rows = [{"Name": c.full_name, "From": seat_text(c.old), "To": seat_text(c.new),
             "Problem": " · ".join(problems.get(c.participant_id, ()))} for c in change_set.changes]
    names = dict(zip(grid.frame["participant_id"], grid.frame["full_name"], strict=True))
    rows += [{"Name": names.get(pid, "?"), "From": "", "To": "", "Problem": " · ".join(msgs)}
             for pid, msgs in change_set.problems.items()]
    st.subheader(f"Unsaved changes: {len(change_set.changes)}")
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if problems:
        st.error(f"{len(problems)} row(s) need attention before anything can be saved.",
                 icon=":material/error:")

if store["conflicts"]:
    st.error(seating.CONFLICT_MESSAGE, icon=":material/sync_problem:")
    st.dataframe(pd.DataFrame([{
        "Name": c.full_name, "Your value": seat_text(c.yours), "When you loaded": seat_text(c.loaded),
        "Now (their value)": seat_text(c.theirs), "Changed by": c.theirs_by or "",
        "Changed at": c.theirs_at_local,
    } for c in store["conflicts"]]), hide_index=True, width="stretch")

save_col, discard_col, _ = st.columns([1, 1, 4])
if context.can_edit and save_col.button("Save changes", type="primary", key="save_seating",
                                        disabled=not change_set.changes or bool(problems)):
    result = context.write(seating.save_changes, change_set, grid)
    if result.ok:
        ui.flash(result.message)
        state["seating_revision"] = revision + 1
        st.rerun()
    elif result.conflicts:
        store["conflicts"] = result.conflicts
        st.rerun()
    else:
        st.error(ui.plain(result.message))
if discard_col.button("Reload latest" if store["conflicts"] or change_set else "Reload", key="reload_seating",
                      help="Load the seating as saved now; unsaved edits are dropped."):
    state["seating_revision"] = revision + 1
    ui.clear_reads()
    st.rerun()


# Move or swap one person: the free seats of a table are offered, a swap is one action.
if context.can_edit:
    with st.expander("Move or swap one person", icon=":material/swap_horiz:"):
        people = dict(zip(shown["participant_id"].head(2000), shown["full_name"].head(2000), strict=True))
        seats_now = dict(zip(shown["participant_id"], zip(shown["table_number"], shown["seat_number"], strict=True),
                             strict=True))
        st.caption("People from the rows shown above (search to find someone)."
                   + (" Your unsaved edits above are kept: this is added to them." if change_set else ""))
        person = st.selectbox("Person", list(people), index=None, key="quick_person", placeholder="Type a name",
                              format_func=lambda pid: f"{people[pid]} · {formatting.seat_text(*seats_now[pid])}")
        move_tab, swap_tab = st.tabs(["Move to a table", "Swap with someone"])
        quick: seating.ChangeSet | None = None
        with move_tab:
            free = {row.table: row.free for row in seating.table_fill(grid, change_set).itertuples()}
            table_choice = st.selectbox("Table", grid.table_numbers, index=None, key="quick_table",
                                        placeholder="Pick a table", format_func=lambda n: f"Table {n} · {free[n]} free")
            open_seats = seating.free_seats(grid, table_choice, change_set) if table_choice is not None else []
            seat_choice = st.selectbox(
                "Seat", [None, *open_seats], key=f"quick_seat:{table_choice}", disabled=table_choice is None,
                format_func=lambda n: (f"Next free seat ({open_seats[0]})" if open_seats else "No free seat")
                if n is None else f"Seat {n}")
            if st.button("Move", key="quick_move", disabled=person is None or table_choice is None):
                quick = seating.move_to_table(grid, person, table_choice, seat_choice, pending=change_set)
        with swap_tab:
            other = st.selectbox("Swap seats with", [pid for pid in people if pid != person], index=None,
                                 key="quick_other", placeholder="Type a name",
                                 format_func=lambda pid: f"{people[pid]} · {formatting.seat_text(*seats_now[pid])}")
            if st.button("Swap", key="quick_swap", disabled=person is None or other is None):
                try:
                    quick = seating.swap_seats(grid, person, other)
                except seating.InputError as error:
                    st.error(ui.plain(error))
        if quick and change_set:
            store["drafts"] = seating.pending_changes(change_set, quick, grid)
            store["generation"] += 1
            st.rerun()
        elif quick:
            result = context.write(seating.save_changes, quick, grid)
            if result.ok:
                ui.flash("Saved: " + "; ".join(f"{c.full_name} to {seat_text(c.new)}" for c in
                                              seating.take_free_seats(quick, grid).changes) + ".")
                state["seating_revision"] = revision + 1
                st.rerun()
            elif result.conflicts:
                store["conflicts"] = result.conflicts
                st.rerun()
            else:
                st.error(ui.plain(result.message))
