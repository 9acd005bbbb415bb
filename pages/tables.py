"""Tables: define the event's tables, see them at a glance, print who sits where."""

import streamlit as st
import streamlit.components.v1 as components

from eventflow import printouts, tables, ui
from eventflow.formatting import counted, to_safe_csv
from eventflow.overview import event_overview

context = ui.require_event()
state = st.session_state
revision = state.setdefault("tables_revision", 0)


def next_revision(_: object) -> None:
    state["tables_revision"] = revision + 1  # a new editor key: the grid shows what was saved


st.title("Tables")
frame = context.read(tables.tables_overview)

glance, edit, printing = st.tabs(["At a glance", "Define tables", "Place cards"])

with glance:
    if frame.empty:
        st.info("No tables yet — add them under “Define tables”.")
    else:
        st.dataframe(
            frame[["table_number", "label", "is_vip_table", "accessible", "seated", "capacity", "fill",
                   "track_mix", "people"]],
            hide_index=True, width="stretch", height=600,
            column_config={
                "table_number": st.column_config.NumberColumn("Table", format="%d", width="small"),
                "label": st.column_config.TextColumn("Label"),
                "is_vip_table": st.column_config.CheckboxColumn("VIP", width="small"),
                "accessible": st.column_config.CheckboxColumn("Accessible", width="small"),
                "seated": st.column_config.NumberColumn("Seated", width="small"),
                "capacity": st.column_config.NumberColumn("Seats", width="small"),
                "fill": st.column_config.ProgressColumn("Fill", min_value=0.0, max_value=1.0, format="percent"),
                "track_mix": st.column_config.TextColumn("Track mix", width="medium"),
                "people": st.column_config.TextColumn("Who sits where (seat. name)", width="large"),
            },
        )

with edit:
    if not context.can_edit:
        st.info("You can view the tables; changing them needs a manager or owner.")
    snapshot = frame[["table_number", "label", "capacity", "is_vip_table", "accessible", "seated", "version"]]
    editor_key = f"tables_grid:{context.event_id}:{revision}"
    st.data_editor(
        snapshot, key=editor_key, hide_index=True, num_rows="fixed", width="stretch",
        column_order=["table_number", "label", "capacity", "is_vip_table", "accessible", "seated"],
        disabled=True if not context.can_edit else ["table_number", "seated", "version"],
        column_config={
            "table_number": st.column_config.NumberColumn("Table", format="%d"),
            "label": st.column_config.TextColumn("Label", max_chars=200),
            "capacity": st.column_config.NumberColumn("Seats", min_value=1, max_value=tables.MAX_CAPACITY, step=1),
            "is_vip_table": st.column_config.CheckboxColumn("VIP"),
            "accessible": st.column_config.CheckboxColumn("Accessible"),
            "seated": st.column_config.NumberColumn("Seated now"),
        },
    )
    changes, problems = tables.table_changes_from_editor(snapshot, state.get(editor_key))
    for number, messages in problems.items():
        st.error(f"Table {number}: " + "; ".join(ui.plain(m) for m in messages))
    if context.can_edit:
        if st.button(f"Save table changes ({len(changes)})", type="primary", key="save_tables",
                     disabled=not changes or bool(problems)):
            result = context.write(tables.save_table_changes, changes)
            if result.ok:
                ui.flash(result.message)
                state["tables_revision"] = revision + 1
                st.rerun()
            st.error(ui.plain(result.message))
            # The button must outlive this run: its click is a new run in which Save is not pressed.
            state["tables_conflict"] = result.conflict
        if state.get("tables_conflict") and st.button("Reload tables", key="reload_tables"):
            state["tables_conflict"] = False
            state["tables_revision"] = revision + 1
            st.rerun()

        st.subheader("Add tables")
        with st.form("add_tables"):
            first_free = int(frame["table_number"].max()) + 1 if not frame.empty else 1
            number_col, count_col, capacity_col = st.columns(3)
            first = number_col.number_input("First table number", min_value=1, value=first_free, step=1)
            count = count_col.number_input("How many", min_value=1, max_value=tables.MAX_TABLES_AT_ONCE, value=1,
                                           step=1)
            capacity = capacity_col.number_input("Seats per table", min_value=1, max_value=tables.MAX_CAPACITY,
                                                 value=10, step=1)
            # Keyed by revision: after a batch, VIP, accessible and label start empty again, so the
            # next batch is never made VIP without the organiser ticking it.
            label = st.text_input("Label (optional)", placeholder="e.g. Hall A", key=f"add_label:{revision}")
            vip_col, access_col = st.columns(2)
            is_vip = vip_col.checkbox("VIP tables", key=f"add_vip:{revision}")
            accessible = access_col.checkbox("Wheelchair accessible", key=f"add_accessible:{revision}")
            if st.form_submit_button("Add tables", type="primary"):
                context.act(tables.add_tables, first_number=int(first), count=int(count), capacity=int(capacity),
                            is_vip=is_vip, label=label, accessible=accessible, then=next_revision,
                            done=lambda added: tables.added_message(added, int(capacity), is_vip, accessible, label))

        empty_tables = frame.loc[frame["seated"] == 0, "table_number"].tolist()
        if empty_tables:
            st.subheader("Remove empty tables")
            doomed = st.multiselect("Tables to remove", empty_tables, key="remove_tables")
            if st.button("Remove", key="do_remove_tables", disabled=not doomed):
                context.act(tables.remove_tables, doomed, then=next_revision,
                            done=lambda removed: f"Removed {counted(removed, 'table')}.")

with printing:
    # The folded tent cards guests see (no VIP marks); table lists and the escort list are on Check-in.
    with_meals = st.checkbox("Print each guest's dietary requirement on their card, for the serving staff",
                             key="cards_with_meals",
                             help="Off by default: a card stands on the table for everyone to read, and a diet can "
                                  "reveal health or religion. Accessibility needs are never printed on cards.")
    for column, layout in zip(st.columns(len(printouts.CARD_LAYOUTS)), printouts.CARD_LAYOUTS, strict=True):
        column.download_button(f"Place cards, {layout} folded (PDF)",
                               lambda layout=layout: context.read(printouts.place_cards_pdf, layout,
                                                                  with_meals=with_meals),
                               f"place-cards-{layout}.pdf", "application/pdf", key=f"tent_cards_{layout}",
                               help=printouts.CARD_LAYOUTS[layout], icon=":material/badge:", on_click="ignore")
    cards = context.read(tables.place_cards)
    event_info = context.read(event_overview)
    event_name = event_info.event_name if event_info else context.event.name
    st.caption(f"{len(cards)} seated people at {cards['table'].nunique() if not cards.empty else 0} tables, "
               "in place-card order (table, seat, name).")
    page = tables.place_cards_html(cards, event_name)
    csv_col, html_col = st.columns(2)
    csv_col.download_button("Download CSV", to_safe_csv(cards), "place-cards.csv", "text/csv", key="cards_csv",
                            on_click="ignore")
    html_col.download_button("Download print view (HTML)", page, "place-cards.html", "text/html",
                             key="cards_html", help="Open it and print: one page per table.", on_click="ignore")
    if st.toggle("Show print view here", key="cards_preview"):
        components.html(page, height=700, scrolling=True)
