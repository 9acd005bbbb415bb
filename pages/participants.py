"""Participants: the list, one person added, edited or removed, flags for many people (VIP,
opt-in, checked in), import and export."""

import streamlit as st

from eventflow import errors, kitchen, participant_import, participants, privacy, ui
from eventflow.config import Settings
from eventflow.formatting import counted

context = ui.require_event()
state = st.session_state
limit_mb = Settings.from_environment().upload_limit_mb


def person_form(key: str, start: participants.PersonForm, tracks: dict[str, str], submit: str,
                *, new: bool) -> participants.PersonForm | None:
    """The fields of one person; the form as typed when ``submit`` is clicked, else None."""
    with st.form(key, clear_on_submit=False, border=True):
        # One row per pair, so a phone stacks them in reading order.
        left, right = st.columns(2)
        name = left.text_input("Name (required)", start.name, max_chars=300)
        email = right.text_input("E-mail", start.email, max_chars=320, placeholder="name@example.org")
        left, right = st.columns(2)
        company = left.text_input("Company", start.company, max_chars=300)
        chosen = right.multiselect("Tracks", list(tracks), [str(t) for t in start.track_ids if str(t) in tracks],
                                   format_func=tracks.__getitem__, placeholder="No track")
        left, right = st.columns(2)
        dietary = left.text_input("Dietary requirement", start.dietary, max_chars=participants.DIETARY_MAX,
                                  placeholder="e.g. vegetarian, halal, nut allergy")
        accessibility = right.text_input("Accessibility needs", start.accessibility,
                                         max_chars=participants.ACCESSIBILITY_MAX,
                                         placeholder="e.g. wheelchair, hearing loop")
        interests = st.text_input("Interests (separated by ;)", start.interests)
        note = st.text_area("Note (for organisers only)", start.note, max_chars=participants.NOTE_MAX, height=80)
        flags = st.columns(3)
        vip = flags[0].checkbox("VIP", start.is_vip)
        accessible = flags[1].checkbox("Needs an accessible table", start.needs_accessible)
        opt_choices = ["Event default", "Yes", "No"] if new else ["Yes", "No"]
        opt_start = ("Event default" if start.networking_opt_in is None else "Yes" if start.networking_opt_in
                     else "No")
        opt_in = flags[2].selectbox("Networking opt-in", opt_choices, opt_choices.index(opt_start))
        if not st.form_submit_button(submit, type="primary"):
            return None
    return participants.PersonForm(name, email, company, tuple(chosen), interests, vip,
                                   None if opt_in == "Event default" else opt_in == "Yes", accessible,
                                   accessibility, dietary, note)


st.title("Participants")
people = context.read(participants.list_participants)

if context.can_edit:
    # Short labels: all four fit a phone's width (390 px) with no scrolling of the tab bar.
    people_tab, add_tab, import_tab, export_tab = st.tabs(["People", "Add a person", "Import", "Export"])
else:
    people_tab, export_tab = st.tabs(["People", "Export"])
    add_tab = import_tab = None

with people_tab:
    search = st.text_input("Search", key="people_search", placeholder="Name, company or e-mail")
    shown = participants.search_people(people, search)

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
        column_order=["name", "table_number", "seat_number", "company", "email", "tracks", "dietary",
                      "accessibility", "needs_accessible", "vip", "networking_opt_in", "checked_in", "checked_in_at",
                      "interests", "note"],
        column_config={"name": st.column_config.TextColumn("Name", pinned=True),
                       "email": "E-mail", "company": "Company", "tracks": "Tracks", "interests": "Interests",
                       "dietary": "Diet", "needs_accessible": st.column_config.CheckboxColumn("Accessible table"),
                       "accessibility": "Accessibility", "note": "Note",
                       "vip": st.column_config.CheckboxColumn("VIP"),
                       "networking_opt_in": st.column_config.CheckboxColumn("Opt-in"),
                       "checked_in": st.column_config.CheckboxColumn("Checked in"),
                       "checked_in_at": st.column_config.TextColumn(
                           "Checked in at", help=f"In the event's time zone ({context.read(participants.zone_name)})"),
                       "table_number": st.column_config.NumberColumn("Table", format="%d"),
                       "seat_number": st.column_config.NumberColumn("Seat", format="%d")},
    )
    st.caption(f"{len(shown)} of {len(people)} participants · {int(people['checked_in'].sum())} checked in")

    if people.empty:
        st.info("No participants yet. Import your list (a CSV file from any spreadsheet) or add people one by one "
                "in the tabs above." if context.can_edit else "No participants yet.", icon=":material/group_add:")
    elif context.can_edit:
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
        tracks = context.read(participants.active_tracks)
        if len(chosen) == 1:
            person = ui.read_fresh(participants.get_participant, context.organiser_id, context.event_id,
                                   chosen["participant_id"].iloc[0])
            if person is not None:
                st.subheader(f"Edit {ui.plain(person.form.name)}")
                edited = person_form(f"edit:{person.participant_id}:{person.version}", person.form, tracks,
                                     "Save changes", new=False)
                if edited is not None:
                    context.act(participants.update_participant, person.participant_id, person.version, edited,
                                done=lambda changed: f"Saved {edited.name.strip()}." if changed else "Nothing changed.")
                with st.expander(f"Remove {ui.plain(person.form.name)} (cancelled)", icon=":material/person_remove:"):
                    st.write(ui.plain(participants.removal_consequences(person)))
                    confirm = st.checkbox(f"Yes, remove {ui.plain(person.form.name)}",
                                          key=f"confirm_remove:{person.participant_id}")
                    if st.button("Remove", key=f"remove:{person.participant_id}", disabled=not confirm, type="primary"):
                        context.act(participants.remove_participant, person.participant_id, person.version,
                                    done=lambda message: message,
                                    then=lambda _: state.update({selected_key: []}))
                if context.role == "owner":
                    with st.expander(f"Privacy: export or erase {ui.plain(person.form.name)}",
                                     icon=":material/shield:"):
                        export_key = f"privacy_export:{person.participant_id}"
                        if st.button("Prepare their data (JSON)", key=f"prepare:{person.participant_id}"):
                            try:
                                state[export_key] = context.write(privacy.export_person, person.participant_id)
                            except errors.OrganiserError as error:
                                st.error(ui.plain(error))
                        if export_key in state:
                            st.download_button("Download their data", state[export_key], "participant.json",
                                               "application/json", key=f"download:{person.participant_id}",
                                               on_click="ignore")
                            st.caption("The export is recorded (who and when).")
                        st.write(ui.plain(privacy.erasure_consequences(person.form.name)))
                        typed = st.text_input("Type their name to confirm", key=f"erase_name:{person.participant_id}")
                        if st.button("Erase", key=f"erase:{person.participant_id}", type="primary",
                                     disabled=typed.strip() != person.form.name):
                            context.act(privacy.erase_person, person.participant_id, done=lambda message: message,
                                        then=lambda _: state.update({selected_key: []}))
        elif len(chosen) > 1:
            st.caption("Select one person to edit or remove them.")

if add_tab is not None:
    with add_tab:
        st.caption("A late guest, or anyone not in your file. Only the name is required.")
        tracks = context.read(participants.active_tracks)
        added = person_form(f"add:{state.get('people_added', 0)}", participants.PersonForm(""), tracks, "Add person",
                            new=True)
        if added is not None:
            context.act(participants.add_participant, added, done=f"Added {' '.join(added.name.split())}.",
                        then=lambda _: state.update(people_added=state.get("people_added", 0) + 1))

with export_tab:
    exports = st.columns(3)
    exports[0].download_button("Export CSV", context.read(participants.export_participants_csv),
                               "participants.csv", "text/csv", key="export_participants", width="stretch",
                               on_click="ignore")
    exports[1].download_button("Kitchen list (PDF)", lambda: context.read(kitchen.kitchen_pdf), "kitchen-list.pdf",
                               "application/pdf", key="kitchen_pdf", width="stretch", icon=":material/restaurant:",
                               help="Per table: how many of each diet, and who has a dietary or accessibility need.",
                               on_click="ignore")
    exports[2].download_button("Kitchen list (CSV)", lambda: context.read(kitchen.kitchen_csv), "kitchen-list.csv",
                               "text/csv", key="kitchen_csv", width="stretch", on_click="ignore")

if import_tab is not None:
    with import_tab:
        st.caption("A CSV file with a header line, as a spreadsheet saves it. People are matched by e-mail: those "
                   "already in the event are updated (the preview shows each change), the others are added. Columns "
                   "are matched to fields below (unknown ones are ignored unless you choose a field). Tracks the file "
                   "names that do not exist yet are created. A “plus-one of” column (an e-mail or a name) keeps "
                   f"people together at one table. Up to {limit_mb} MB and {participant_import.MAX_IMPORT_ROWS:,} "
                   "participants per file. Nothing is written while any row has a problem.")
        upload = st.file_uploader("CSV file", type=["csv"], key=f"upload:{state.get('import_revision', 0)}",
                                  max_upload_size=limit_mb)
        if upload is not None:
            kept = state.setdefault(f"import_table:{context.event_id}", {})
            try:
                participant_import.check_upload_size(upload.size, limit_mb)
                digest, table = participant_import.read_upload_once(kept, upload.getvalue(), limit_mb)
            except errors.OrganiserError as error:
                st.error(ui.plain(error))
                table = None
            if table is not None and table.file_error:
                st.error(ui.plain(table.file_error))
            elif table is not None:
                suggested = participant_import.suggest_mapping(table.header)
                choices = [participant_import.IGNORE, *participant_import.FIELDS]
                with st.expander(f"Columns: {sum(1 for f in suggested.values() if f)} of {len(table.header)} matched",
                                 expanded=not all(suggested.values()), icon=":material/view_column:"):
                    mapping = {}
                    sample = table.rows[0][1]
                    for index, header in enumerate(table.header):
                        if index % 3 == 0:  # one row of three at a time: a phone stacks them in file order
                            grid = st.columns(3)
                        example = sample[index] if index < len(sample) else ""
                        mapping[index] = grid[index % 3].selectbox(
                            f"“{ui.plain(header or f'column {index + 1}')}”", choices, choices.index(suggested[index]),
                            key=f"map:{digest}:{index}",
                            help=f"First row: {ui.plain(example[:80])}" if example else None,
                            format_func=lambda f: participant_import.FIELDS.get(f, "Ignore this column"))
                event_people = context.read(participant_import.event_people)
                try:
                    plan = participant_import.plan_once(kept, table, mapping, event_people)
                except errors.OrganiserError as error:
                    st.error(ui.plain(error))
                    plan = None
                if plan is not None:
                    st.markdown(f"**{participant_import.plan_summary(plan)}.**")
                    for note in plan.notes:
                        st.warning(ui.plain(note), icon=":material/view_column:")
                    if plan.new_tracks:
                        st.info("The import creates these tracks: " + ui.plain(", ".join(plan.new_tracks)) + ".",
                                icon=":material/add_circle:")
                    if plan.groups:
                        st.info(f"{counted(len(plan.groups), 'plus-one group')} will be kept together at one table "
                                "(keep-together rules).", icon=":material/group:")
                    problems = plan.problems
                    if problems:
                        st.error(f"{len(problems)} of {len(plan.rows)} rows have problems; nothing will be imported "
                                 "until the file is fixed.")
                    only = st.toggle("Only rows with problems", value=bool(problems), key=f"only_problems:{digest}")
                    st.dataframe(participant_import.preview_rows(plan, problems_only=only), hide_index=True,
                                 width="stretch", height=320 if len(plan.rows) > 8 else "auto",
                                 # The problem beside the name, in view on a phone too.
                                 column_order=["name", "details", "status", "line", "email"],
                                 column_config={"line": st.column_config.NumberColumn("Line", width="small"),
                                                "name": st.column_config.TextColumn("Name", pinned=True),
                                                "status": "Status",
                                                "details": st.column_config.TextColumn("Problem or change",
                                                                                       width="large"),
                                                "email": "E-mail"})
                    remove_missing = False
                    if plan.missing:
                        with st.expander(f"{len(plan.missing)} people of this event are not in the file",
                                         icon=":material/person_off:"):
                            st.caption(ui.plain(", ".join(str(p.values["name"]) for p in plan.missing[:50]))
                                       + (" …" if len(plan.missing) > 50 else ""))
                            remove_missing = st.checkbox(f"Also remove these {len(plan.missing)} people (cancelled); "
                                                         "their seats are freed", key=f"remove_missing:{digest}")
                    if plan.ok and st.button(f"Import: {participant_import.plan_summary(plan)}"
                                             + (f", remove {len(plan.missing)}" if remove_missing else ""),
                                             type="primary", key="do_import"):
                        context.act(participant_import.apply_import, plan, remove_missing=remove_missing,
                                    done=lambda result: result.message,
                                    then=lambda _: state.update(import_revision=state.get("import_revision", 0) + 1))
