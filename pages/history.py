"""History: who moved whom and when, per change set (a save, an auto-seat, an import, an undo …),
and undoing one of them; and who changed the room's layout (tables and room elements), when."""

import streamlit as st
from sqlalchemy.exc import DBAPIError

from eventflow import errors, history, participants, tables, ui
from eventflow.formatting import counted, seat_text

context = ui.require_event()

st.title("History")
st.caption("Every change to the seating and to the room's layout, grouped by the save, auto-seat, import, move "
           "or undo that made it. Newest first.")

people = context.read(participants.list_participants)
names = dict(zip(people["participant_id"], people["name"], strict=True))
emails = dict(zip(people["participant_id"], people["email"], strict=True))
table_numbers = context.read(tables.tables_overview)["table_number"].astype(int).tolist()

person_col, table_col = st.columns([3, 1])
person = person_col.selectbox(
    "Participant", [None, *names], key="history_person", placeholder="Type a name to search",
    format_func=lambda pid: "Everyone" if pid is None else f"{names[pid]} ({emails[pid] or 'no e-mail'})")
table = table_col.selectbox("Table", [None, *table_numbers], key="history_table",
                            format_func=lambda t: "All tables" if t is None else f"Table {t}")

seating_tab, layout_tab = st.tabs(["Seating changes", "Room layout changes"])

with layout_tab:
    moves = context.read(history.layout_changes, table_number=table)
    if moves.empty:
        st.info("No layout changes yet." if table is None else f"No layout changes of table {table} yet.")
    else:
        st.dataframe(
            # What changed first: on a phone it is the column in view without scrolling the table sideways.
            moves[["what", "when", "organiser", "kind"]], hide_index=True, width="stretch",
            column_config={"what": st.column_config.TextColumn("What changed", width="large"),
                           "when": st.column_config.TextColumn("When"),
                           "organiser": st.column_config.TextColumn("By"),
                           "kind": st.column_config.TextColumn("Kind", width="small")})
        st.caption(f"The latest {counted(moves['change_set_id'].nunique(), 'layout change')}"
                   + (f" of table {table}" if table is not None else "")
                   + ". Positions are metres from the room's top-left corner, as on the floor plan"
                   + (", where you can undo your own layout changes." if context.can_edit else "."))
        if person is not None:
            st.caption("Layout changes are about tables and room elements, so the participant filter does not "
                       "apply to them.")

with seating_tab:
    sets = context.read(history.recent_change_sets, participant_id=person, table_number=table)
    if sets.empty:
        st.info("No seating changes yet." if person is None and table is None
                else "No seating changes match this filter.")
        st.stop()
    sets = sets.assign(kind=sets["kind"].fillna("change"))  # changes made without a label (e.g. by a script)

    st.dataframe(
        sets[["changed_at", "kind", "organiser", "people", "rows_changed", "who"]], hide_index=True, width="stretch",
        column_config={
            "changed_at": st.column_config.DatetimeColumn("When", format="D MMM YYYY, HH:mm:ss"),
            "kind": st.column_config.TextColumn("What", width="small"),
            "organiser": st.column_config.TextColumn("By"),
            "people": st.column_config.NumberColumn("People", width="small"),
            "rows_changed": st.column_config.NumberColumn("Rows", width="small"),
            "who": st.column_config.TextColumn("Who was moved", width="large"),
        },
    )
    st.caption(f"The latest {len(sets)} change sets" + (" touching this filter." if person or table else "."))

    by_id = {str(row.change_set_id): row for row in sets.itertuples(index=False)}


    def change_set_label(key: str) -> str:
        found = by_id[key]
        who = found.who if len(found.who) <= 40 else found.who[:39] + "…"
        # The short reference keeps two otherwise identical lines (same second, same people count) apart.
        return (f"{found.changed_at:%d %b %H:%M:%S} · {found.kind} · {found.organiser} · {found.people} people "
                f"({who}) · ref {key[:8]}")


    chosen = st.selectbox("Show one change set", list(by_id), key="history_change_set", format_func=change_set_label)
    row = by_id[chosen]
    details = context.read(history.change_set_details, row.change_set_id)


    with st.expander(f"{counted(len(details), 'row')} in this change set", expanded=True):
        st.dataframe(
            details.assign(
                before=[seat_text(t, s) for t, s in zip(details["old_table_number"], details["old_seat_number"],
                                                        strict=True)],
                after=[seat_text(t, s) for t, s in zip(details["new_table_number"], details["new_seat_number"],
                                                       strict=True)],
            )[["participant", "operation", "before", "after", "new_assigned_by"]],
            hide_index=True, width="stretch",
            column_config={"participant": "Participant", "operation": "Change", "before": "Before", "after": "After",
                           "new_assigned_by": "Assigned by"},
        )

    if context.can_edit:
        st.caption("Undo puts everyone in this change set back where they were before it, as a new change set. "
                   "It is refused if any of them has been moved since.")
        refused_key = f"undo_refused:{chosen}"

        def undo(skip: tuple = ()) -> None:
            try:
                result = context.write(history.undo_change_set, row.change_set_id, skip=skip)
            except DBAPIError as error:  # (a lost connection never gets here: ui.write shows its own message)
                # A database rule at commit, e.g. a colleague's save between the check and the undo.
                st.error(ui.plain(errors.describe_database_error(error, "undone")))
            except errors.OrganiserError as error:
                st.error(ui.plain(error))
            else:
                if result.ok:
                    st.session_state.pop(refused_key, None)
                    ui.flash(f"Undone: {result.restored} people are back where they were before that {row.kind}"
                             + (f"; {len(skip)} stayed where they are." if skip else "."))
                    st.rerun()
                st.session_state[refused_key] = result

        if st.button("Undo this change set", key="undo_change_set", type="primary"):
            undo()
        refused = st.session_state.get(refused_key)
        if refused is not None:
            st.error("Nothing was undone:\n\n" + "\n".join(f"- {ui.plain(problem)}" for problem in refused.problems))
            if refused.restorable and st.button(f"Undo the rest: put back the other {refused.restorable}, leave "
                                                f"{len(refused.blocked)} where they are now", key="undo_the_rest"):
                undo(refused.blocked)
    else:
        st.caption("Undoing a change needs a manager or owner.")
