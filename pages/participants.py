"""Participants: import, export, and flags for one or many people (VIP, opt-in, checked in)."""

import streamlit as st

from eventflow import errors, participants, ui
from eventflow.config import Settings

context = ui.require_event()
state = st.session_state
limit_mb = Settings.from_environment().upload_limit_mb

st.title("Participants")
people = context.read(participants.list_participants)

search = st.text_input("Search", key="people_search", placeholder="Name, company or e-mail")
shown = people
if search.strip():
    needle = search.strip().lower()
    haystack = (people["name"].fillna("") + " " + people["company"].fillna("") + " "
                + people["email"].fillna("")).str.lower()
    shown = people[haystack.str.contains(needle, regex=False)]

# Selections name people (participant ids), never row positions: the table's key changes with the
# rows it shows, so a new search is a new table, given the people already selected as its ticks.
selected_key = f"people_selected:{context.event_id}"
selected = [pid for pid in state.get(selected_key, []) if pid in set(people["participant_id"])]
view_ids = shown["participant_id"].tolist()
table_key = (f"people_table:{context.event_id}:{participants.view_digest(view_ids)}"
             f":{state.get('people_selection_revision', 0)}")


def _ticked() -> None:
    rows = state[table_key].selection.rows
    state[selected_key] = participants.merge_selection(state.get(selected_key, []), view_ids, rows)


st.dataframe(
    shown.drop(columns=["participant_id"]), hide_index=True, width="stretch",
    height=420 if len(shown) > 10 else "auto",
    key=table_key, on_select=_ticked if context.can_edit else "ignore", selection_mode="multi-row",
    selection_default={"selection": {"rows": [i for i, pid in enumerate(view_ids) if pid in set(selected)],
                                     "columns": []}} if context.can_edit else None,
    column_config={"name": st.column_config.TextColumn("Name", pinned=True),
                   "email": "E-mail", "company": "Company", "tracks": "Tracks", "interests": "Interests",
                   "vip": st.column_config.CheckboxColumn("VIP"),
                   "networking_opt_in": st.column_config.CheckboxColumn("Opt-in"),
                   "checked_in": st.column_config.CheckboxColumn("Checked in"),
                   "checked_in_at": st.column_config.TextColumn(
                       "Checked in at", help=f"In the event's time zone ({context.read(participants.zone_name)})"),
                   "table_number": st.column_config.NumberColumn("Table", format="%d"),
                   "seat_number": st.column_config.NumberColumn("Seat", format="%d")},
)
st.caption(f"{len(shown)} of {len(people)} participants · {int(people['checked_in'].sum())} checked in")

if context.can_edit:
    chosen = people[people["participant_id"].isin(selected)]
    st.subheader(f"Change {len(chosen)} selected")
    if chosen.empty:
        st.caption("Select people in the table (click the row checkboxes) to change their flags.")
    else:
        hidden = len(set(chosen["participant_id"]) - set(view_ids))
        st.caption(", ".join(ui.plain(name) for name in chosen["name"].head(8)) + (" …" if len(chosen) > 8 else "")
                   + (f" ({hidden} not in the current search)" if hidden else ""))
        actions = [("Check in", "checked_in", True), ("Undo check-in", "checked_in", False),
                   ("Make VIP", "is_vip", True), ("Remove VIP", "is_vip", False),
                   ("Opt in to networking", "networking_opt_in", True),
                   ("Opt out of networking", "networking_opt_in", False)]
        for pair in (actions[0:2], actions[2:4], actions[4:6]):  # stacked in this order on a phone
            for column, (label, flag, value) in zip(st.columns(2), pair, strict=True):
                if column.button(label, key=f"flag_{flag}_{value}", width="stretch"):
                    changed = context.write(participants.set_flag, chosen["participant_id"].tolist(), flag, value)
                    ui.flash(f"{label}: {changed} of {len(chosen)} changed"
                             + (" (the others already were)." if changed < len(chosen) else "."))
                    st.rerun()
        if st.button("Clear selection", key="clear_selection", icon=":material/deselect:"):
            state[selected_key] = []
            state["people_selection_revision"] = state.get("people_selection_revision", 0) + 1
            st.rerun()

st.download_button("Export CSV", context.read(participants.export_participants_csv),
                   "participants.csv", "text/csv", key="export_participants")

if context.can_edit:
    st.subheader("Import from CSV")
    st.caption("Columns: name (required), email, company, tracks (separated by ;), vip (yes/no), "
               f"networking_opt_in (yes/no; blank = event default), interests (separated by ;). Up to {limit_mb} MB "
               f"and {participants.MAX_IMPORT_ROWS:,} participants per file. "
               "Nothing is imported while any row has a problem.")
    # The box states the same limit as the caption (Streamlit's server refuses bigger files anyway:
    # server.maxUploadSize in .streamlit/config.toml).
    upload = st.file_uploader("CSV file", type=["csv"], key=f"upload:{state.get('import_revision', 0)}",
                              max_upload_size=limit_mb)
    if upload is not None:
        try:
            participants.check_upload_size(upload.size, limit_mb)
            context_for_import = context.read(participants.import_context)
            # Parsed once per file: every click on this page reruns it.
            preview = participants.parse_upload_once(state.setdefault(f"import_parse:{context.event_id}", {}),
                                                     upload.getvalue(), context_for_import, limit_mb)
        except errors.OrganiserError as error:
            st.error(ui.plain(error))
        else:
            if preview.file_error:
                st.error(ui.plain(preview.file_error))
            else:
                shown_preview = preview.with_errors().drop(columns=["track_ids"])
                st.dataframe(shown_preview, hide_index=True, width="stretch")
                if preview.errors:
                    st.error(f"{len(preview.errors)} of {len(preview.rows)} rows have problems; nothing will be "
                             "imported until the file is fixed.")
                elif st.button(f"Import {len(preview.rows)} participants", type="primary", key="do_import"):
                    context.act(participants.import_participants, preview,
                                done=lambda count: f"Imported {count} participants.",
                                then=lambda _: state.update(import_revision=state.get("import_revision", 0) + 1))
