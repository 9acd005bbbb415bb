"""Seating editor: the grid of participants and their seats, used live on site.

The grid is fed a snapshot that stays unchanged until a save, a reload or a filter change, so
``st.data_editor``'s row positions keep pointing at the same people. Edits made under one filter
or page are kept (as drafts) when the filter or page changes.

Everything below the title is one fragment: a filter, a page turn, a cell edit or a save reruns
only it. The snapshot is shared by every organiser of the event until someone writes
(``context.read_shared``), and the browser gets one page of rows (search and filters run here).
"""

from collections.abc import Callable

import pandas as pd
import streamlit as st

from eventflow import formatting, seating, ui
from eventflow.events import list_tracks

context = ui.require_event()
state = st.session_state
store_key = f"seating:{context.organiser_id}:{context.event_id}"
FILTER_KEYS = ("seat_search", "seat_track", "seat_table", "seat_unseated", "seat_vip")

st.title("Seating editor")


FILL_PANEL_WIDTH = 280  # px: the Tables panel's five columns (Table, Seated, Seats, Free, VIP) with no scrolling
GRID_MIN_WIDTH = 440  # px: narrower, and the grid takes the row alone with the Tables panel below it


def new_store(grid: seating.SeatingGrid, revision: int) -> dict:
    return {"grid": grid, "revision": revision, "generation": 0, "drafts": seating.ChangeSet(), "view": None,
            "conflicts": (), "filters": None}


def signature(grid: seating.SeatingGrid) -> int:
    columns = grid.frame[["participant_id", "version", "base_table", "base_seat"]]
    return int(pd.util.hash_pandas_object(columns, index=False).sum()) ^ hash(grid.tables)


def seat_text(seat: seating.Seat | None) -> str:
    return "no longer in the event" if seat is None else formatting.seat_text(*seat)


def save_what_was_shown() -> None:
    """The Save button's click, handled before anything is drawn: the edits of the grid as the
    organiser last saw it are written, and this same run then draws the saved seating (one run of
    the fragment per save, not a run that draws the old grid and then another, issue 13)."""
    store = state.get(store_key)
    if store is None or store["revision"] != state.get("seating_revision", 0):
        return
    view = store["view"]
    in_view = seating.changes_from_editor(view["frame"], state.get(view["key"])) if view else seating.ChangeSet()
    grid = store["grid"]
    result = context.write(seating.save_changes, seating.pending_changes(store["drafts"], in_view, grid), grid)
    if result.ok:
        # Nobody else wrote meanwhile: the saved grid is the event as it now is, for everyone.
        context.share(result.marker_after, {seating.load_seating_grid: result.grid_after,
                                            list_tracks: store["tracks"]} if result.grid_after else {})
        ui.flash(result.message)
        state["seating_revision"] = store["revision"] + 1
    elif result.conflicts:
        store["conflicts"] = result.conflicts
    else:
        ui.flash(result.message, "error")


@ui.fragment
def workspace() -> None:
    if context.can_edit and state.get("save_seating"):
        save_what_was_shown()
    elif state.get("reload_seating"):
        state["seating_revision"] = state.get("seating_revision", 0) + 1
        ui.clear_reads()
    ui.show_flash()  # a save's message
    revision = state.setdefault("seating_revision", 0)
    fresh, track_list = context.read_shared(seating.load_seating_grid, list_tracks)
    store = state.get(store_key)
    if store is None or store["revision"] != revision:
        store = state[store_key] = new_store(fresh, revision)
    store["tracks"] = track_list
    grid: seating.SeatingGrid = store["grid"]

    def pending_in_view() -> seating.ChangeSet:
        view = store["view"]
        return seating.changes_from_editor(view["frame"], state.get(view["key"])) if view else seating.ChangeSet()

    # The shared snapshot is a new object only when the event changed (any write, a check-in too).
    if fresh is not grid:
        if not (store["drafts"] or pending_in_view() or store["conflicts"]):
            # Nobody is typing here: follow what colleagues saved (a new key, so no edit can move rows).
            state["seating_revision"] = revision = revision + 1
            store = state[store_key] = new_store(fresh, revision)
            grid = fresh
        else:
            if store.get("compared") is not fresh:  # compare the seats once per new snapshot
                store["compared"], store["differs"] = fresh, signature(fresh) != signature(grid)
            if store["differs"]:
                st.info("Colleagues changed the seating since you loaded it. Your save checks every row you "
                        "edited and will not overwrite their work.", icon=":material/group:")

    tracks = [t.name for t in track_list if t.is_active]
    largest_table = max(grid.table_numbers, default=1)
    # A row that wraps: on a phone or beside an open sidebar the filters go onto further lines.
    bar = st.container(horizontal=True, wrap=True, vertical_alignment="bottom")
    search = bar.text_input("Search", key="seat_search", placeholder="Name, company or e-mail", width=300)
    track = bar.selectbox("Track", [None, *tracks], key="seat_track", format_func=lambda t: t or "All tracks",
                          width=220)
    table_filter = bar.number_input("Table", min_value=1, max_value=largest_table, value=None, step=1,
                                    key="seat_table", placeholder="All tables", width=150)
    unseated_only = bar.toggle("Unseated only", key="seat_unseated")
    vip_only = bar.toggle("VIP only", key="seat_vip")
    filters = (search.strip().lower(), track, table_filter, unseated_only, vip_only)
    if store["filters"] is not None and store["filters"] != filters:
        state["seat_page"] = 1  # a new search starts on its first page
    store["filters"] = filters

    view = store["view"]
    page_asked = int(state.get("seat_page") or 1)
    if view is not None and view["signature"] != (filters, page_asked):
        # The rows shown are about to change: keep what was typed under the old filter as drafts.
        store["drafts"] = seating.pending_changes(store["drafts"], pending_in_view(), grid)
        store["generation"] += 1
    elif view is not None and any(not c.seat_given and c.new[0] is not None for c in pending_in_view().changes):
        # A table number alone takes that table's next free seat: fold it into the drafts before the
        # grid is drawn, under a new key, so the row never shows the old seat number beside the new
        # table (in this run: no second run of the fragment for it, issue 13).
        store["drafts"] = seating.pending_changes(store["drafts"], pending_in_view(), grid)
        store["generation"] += 1
    window = seating.grid_window(grid, store["drafts"], search=search, track=track, table=table_filter,
                                 unseated_only=unseated_only, vip_only=vip_only, page=page_asked)
    if page_asked != window.page:
        state["seat_page"] = window.page  # fewer pages than before (e.g. after a save): the last one
    editor_key = f"seating_grid:{context.event_id}:{revision}:{store['generation']}"
    store["view"] = {"signature": (filters, page_asked), "frame": window.frame, "key": editor_key}

    largest_capacity = max((t.capacity for t in grid.tables), default=1)
    column_config = {
        "full_name": st.column_config.TextColumn("Name", width="medium", pinned=True),
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
        "needs": st.column_config.TextColumn("Diet · access",
                                             help="Dietary requirement and accessibility need (staff only)."),
        "assigned_by": st.column_config.TextColumn("Assigned by", width="small"),
        "assigned_at": st.column_config.DatetimeColumn("Assigned at", format="D MMM, HH:mm"),
    }

    # The grid and the Tables panel side by side where both fit; beside an open sidebar on a tablet,
    # or on a phone, the panel goes below the grid at its full width (its columns never scroll inside
    # it). A wrapping row, not st.columns: columns only stack on phone-sized screens.
    panels = st.container(horizontal=True, wrap=True, gap="medium", key="seat_panels")
    grid_col = panels.container(width="stretch", key="seat_grid_panel")
    fill_col = panels.container(width=FILL_PANEL_WIDTH, key="seat_fill_panel")
    # Streamlit lets a stretching container shrink to 14rem before the row wraps: the grid needs more
    # (name, table, seat and a glimpse of the rest), so it wraps the panel below it sooner.
    # (The flex item is the panel itself or, in some Streamlit versions, a layout wrapper around it.)
    st.html("<style>.st-key-seat_panels > .st-key-seat_grid_panel, .st-key-seat_panels > "
            f":has(> .st-key-seat_grid_panel) {{flex: 1 1 {GRID_MIN_WIDTH}px !important}}</style>")
    with grid_col:
        shown = f"{window.matching:,} of {len(grid.frame):,} participants shown"
        if window.pages > 1:
            shown += (f" · rows {window.first_row:,}–{window.first_row + len(window.frame) - 1:,}, "
                      f"page {window.page} of {window.pages}")
        st.caption(shown + ("" if context.can_edit else " · read-only"))
        # Only the columns shown travel (the hidden ones stay here, in store["view"]): positions match.
        st.data_editor(
            seating.editor_rows(window.frame), key=editor_key, column_config=column_config,
            column_order=list(seating.DISPLAY_COLUMNS),
            disabled=True if not context.can_edit else
            [c for c in seating.DISPLAY_COLUMNS if c not in seating.EDITABLE_COLUMNS],
            hide_index=True, num_rows="fixed", width="stretch", height=min(560, 38 + 35 * max(len(window.frame), 1)),
        )
        if window.pages > 1:
            st.number_input(f"Page (of {window.pages})", min_value=1, max_value=window.pages, step=1,
                            key="seat_page", width=160,
                            help="Edits on other pages are kept until you save or reload.")

    typed_in_view = pending_in_view()
    change_set = seating.pending_changes(store["drafts"], typed_in_view, grid)
    problems = seating.validate_changes(change_set, grid)

    with fill_col:
        fill = seating.table_fill(grid, change_set)
        summary = seating.fill_summary(fill)
        st.caption(f"{summary.tables:,} tables · {summary.seated:,} of {summary.seats:,} seats taken "
                   "(with your unsaved edits). The tables of the people shown and of your edits:")
        st.dataframe(
            seating.tables_in_view(fill, window.frame, change_set, table_filter),
            hide_index=True, height=min(420, 38 + 35 * max(1, len(window.frame))),
            column_config={
                "table": st.column_config.NumberColumn("Table", format="%d", width=44),
                "vip": st.column_config.CheckboxColumn("VIP", width=36),
                # Of the table's own seats: a full 8-seat table is a full bar beside tables of 10.
                "full": st.column_config.ProgressColumn("Seated", min_value=0.0, max_value=1.0, format="percent",
                                                        width=84),
                "capacity": st.column_config.NumberColumn("Seats", width=44),
                "free": st.column_config.NumberColumn("Free", width=40),
            },
        )
        if summary.free_tables:
            listed = ", ".join(f"{table} ({free})" for table, free in summary.free_tables[:40])
            more = len(summary.free_tables) - 40
            st.caption(f"Free seats at tables: {listed}" + (f" and {more:,} more tables" if more > 0 else ""))
        else:
            st.caption("Every table is full.")

    if change_set:
        rows = [{"Name": c.full_name, "From": seat_text(c.old), "To": seat_text(c.new),
                 "Problem": " · ".join(problems.get(c.participant_id, ()))} for c in change_set.changes]
        named = grid.frame[grid.frame["participant_id"].isin(list(change_set.problems))]
        names = dict(zip(named["participant_id"], named["full_name"], strict=True))
        rows += [{"Name": names.get(pid, "?"), "From": "", "To": "", "Problem": " · ".join(msgs)}
                 for pid, msgs in change_set.problems.items()]
        st.subheader(f"Unsaved changes: {len(change_set.changes)}")
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        if problems:
            st.error(f"{formatting.counted(len(problems), 'row')} "
                     f"{'needs' if len(problems) == 1 else 'need'} attention before anything can be saved.",
                     icon=":material/error:")

    if store["conflicts"]:
        st.error(seating.CONFLICT_MESSAGE, icon=":material/sync_problem:")
        st.dataframe(pd.DataFrame([{
            "Name": c.full_name, "Your value": seat_text(c.yours), "When you loaded": seat_text(c.loaded),
            "Now (their value)": seat_text(c.theirs), "Changed by": c.theirs_by or "",
            "Changed at": c.theirs_at_local,
        } for c in store["conflicts"]]), hide_index=True, width="stretch",
            # Pinned: on a phone the row still says whose it is while the later columns are swiped to.
            column_config={"Name": st.column_config.TextColumn("Name", pinned=True)})

    def after_save(result: seating.SaveResult, saved: Callable[[], str]) -> None:
        """Shared and flashed (``saved`` says what) when it was written; else the conflicts or the refusal."""
        if result.ok:
            # Nobody else wrote meanwhile: the saved grid is the event as it now is, for everyone.
            context.share(result.marker_after, {seating.load_seating_grid: result.grid_after,
                                                list_tracks: track_list} if result.grid_after else {})
            ui.flash(saved())
            state["seating_revision"] = revision + 1
            ui.rerun_fragment()
        elif result.conflicts:
            store["conflicts"] = result.conflicts
            ui.rerun_fragment()
        else:
            st.error(ui.plain(result.message))

    # Both clicks are handled at the top of the run (save_what_was_shown), before the grid is drawn.
    save_col, discard_col = st.columns(2, width=420)
    if context.can_edit:
        save_col.button("Save changes", type="primary", key="save_seating",
                        disabled=not change_set.changes or bool(problems))
    discard_col.button("Reload latest" if store["conflicts"] or change_set else "Reload", key="reload_seating",
                       help="Load the seating as saved now; unsaved edits are dropped.")

    # Move or swap one person: the free seats of a table are offered, a swap is one action.
    if context.can_edit:
        with st.expander("Move or swap one person", icon=":material/swap_horiz:"):
            shown = window.frame
            people = dict(zip(shown["participant_id"], shown["full_name"], strict=True))
            seats_now = dict(zip(shown["participant_id"], zip(shown["table_number"], shown["seat_number"],
                                                                  strict=True), strict=True))
            st.caption("People from the rows shown above (search to find someone)."
                       + (" Your unsaved edits above are kept: this is added to them." if change_set else ""))
            person = st.selectbox("Person", list(people), index=None, key="quick_person", placeholder="Type a name",
                                  format_func=lambda pid: f"{people[pid]} · {formatting.seat_text(*seats_now[pid])}")
            move_tab, swap_tab = st.tabs(["Move to a table", "Swap with someone"])
            quick: seating.ChangeSet | None = None
            with move_tab:
                free = dict(zip(fill["table"].tolist(), fill["free"].tolist(), strict=True))
                table_choice = st.selectbox("Table", grid.table_numbers, index=None, key="quick_table",
                                            placeholder="Pick a table",
                                            format_func=lambda n: f"Table {n} · {free[n]} free")
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
                ui.rerun_fragment()
            elif quick:
                after_save(context.write(seating.save_changes, quick, grid),
                           lambda: "Saved: " + "; ".join(f"{c.full_name} to {seat_text(c.new)}" for c in
                                                         seating.take_free_seats(quick, grid).changes) + ".")


workspace()
