"""Events of the organisation: create, duplicate, open, archive and restore, delete (owners)."""

from datetime import date

import streamlit as st

from eventflow import events, ui

context = ui.context()
organiser, membership = context.organiser_id, context.membership
if membership is None:
    st.stop()
may_manage = membership.can_edit
is_owner = membership.role == "owner"

st.title("Events")
st.caption(ui.plain(f"{membership.organization_name} · you are {membership.role}"))
overview = ui.read(events.list_events, organiser, membership.organization_id)


def _open(event_id: str, archived: bool) -> None:
    # Callbacks run before the sidebar is drawn, the only moment its pickers may be set.
    if archived:
        st.session_state["show_archived"] = True
    st.session_state["organisation_pick"] = str(membership.organization_id)
    st.session_state["event_pick"] = event_id


def _dates(key: str) -> tuple[date | None, date | None]:
    start_col, end_col = st.columns(2)
    starts_on = start_col.date_input("Starts", value=None, key=f"{key}_starts", format="DD.MM.YYYY")
    ends_on = end_col.date_input("Ends", value=None, key=f"{key}_ends", format="DD.MM.YYYY")
    return starts_on, ends_on


st.subheader("All events")
if not overview:
    st.info("No events yet." + (" Create the first one below." if may_manage else ""))
for item in overview:
    with st.container(border=True):
        details = st.container()
        details.text(item.name + ("  ·  archived" if item.archived else ""))
        when = " – ".join(f"{d:%d %b %Y}" for d in (item.starts_on, item.ends_on) if d) or "no dates"
        details.caption(ui.plain(f"{when} · {item.venue or 'no venue'} · {item.participants} participants · "
                                   f"{item.tables} tables · {item.tracks} tracks"))
        actions = st.container(horizontal=True)
        actions.button("Open", key=f"open_{item.id}", on_click=_open, args=(str(item.id), item.archived),
                          icon=":material/open_in_new:")
        if may_manage:
            if item.archived:
                restore = actions.button("Restore", key=f"restore_{item.id}", icon=":material/unarchive:")
                if restore:
                    try:
                        ui.write(events.restore_event, organiser, item.id)
                    except events.EventInputError as error:
                        st.error(ui.plain(str(error)))
                    else:
                        ui.flash(f"Restored “{item.name}”: back in the event picker, and editable.")
                        st.rerun()
            elif actions.button("Archive", key=f"archive_{item.id}", icon=":material/archive:",
                                   help="Read-only from then on, and hidden from the event picker. "
                                        "You can restore it at any time."):
                try:
                    ui.write(events.archive_event, organiser, item.id)
                except events.EventInputError as error:
                    st.error(ui.plain(str(error)))
                else:
                    ui.flash(f"Archived “{item.name}”. “Show archived events” in the sidebar opens it.")
                    st.rerun()
        if is_owner:
            with actions.popover("Delete", icon=":material/delete:"):
                st.warning("Deleting removes the event with all its participants, tables, seats and history of "
                           "seats. This cannot be undone.")
                typed = st.text_input("Type the event's name to confirm", key=f"confirm_{item.id}")
                if st.button("Delete this event", key=f"delete_{item.id}", type="primary"):
                    try:
                        ui.write(events.delete_event, organiser, item.id, typed)
                    except events.EventInputError as error:
                        st.error(ui.plain(str(error)))
                    else:
                        ui.flash(f"Deleted the event “{item.name}”.")
                        st.rerun()

if may_manage:
    form_revision = st.session_state.setdefault("events_form_revision", 0)
    with st.expander("Create or duplicate an event", expanded=not overview, icon=":material/add:"):
        create_tab, duplicate_tab = st.tabs([":material/add: New event", ":material/content_copy: Duplicate an event"])
        with create_tab, st.form(f"create_event_{form_revision}"):
            name = st.text_input("Event name", max_chars=events.EVENT_NAME_MAX, placeholder="Autumn Summit 2026")
            starts_on, ends_on = _dates(f"create_{form_revision}")
            venue = st.text_input("Venue", max_chars=events.VENUE_MAX, placeholder="Congress Centre, Hall 2")
            opt_in = st.toggle("New participants opt in to networking seating by default", value=False,
                               help="Applies to participants added without an answer.")
            tracks = st.text_area("Tracks (one per line)", placeholder="Data\nCloud\nSecurity",
                                  help="You can add, rename and retire tracks later in Event settings.")
            if st.form_submit_button("Create event", type="primary", icon=":material/add:"):
                try:
                    created = ui.write(events.create_event, organiser, membership.organization_id, name, starts_on,
                                       ends_on, venue, opt_in, tracks.splitlines())
                except events.EventInputError as error:
                    st.error(ui.plain(str(error)))
                else:
                    st.session_state[ui.OPEN_EVENT_KEY] = str(created)
                    st.session_state["events_form_revision"] = form_revision + 1  # empty forms next time
                    ui.flash(f"Created the event “{' '.join(name.split())}”. It is open in the sidebar.")
                    st.rerun()
        with duplicate_tab:
            if not overview:
                st.caption("No event to duplicate yet.")
            else:
                by_id = {str(e.id): e for e in overview}
                labels = ui.distinct_labels([(key, e.name + (" (archived)" if e.archived else ""))
                                             for key, e in by_id.items()])
                with st.form(f"duplicate_event_{form_revision}"):
                    source = st.selectbox("Copy", list(by_id), format_func=labels.__getitem__,
                                          help="Tracks, tables, settings and seating-rule settings are copied; "
                                               "participants, seats and rules about people are not.")
                    new_name = st.text_input("Name of the new event", max_chars=events.EVENT_NAME_MAX,
                                             placeholder="Autumn Summit 2027")
                    new_starts, new_ends = _dates(f"duplicate_{form_revision}")
                    if st.form_submit_button("Duplicate", type="primary", icon=":material/content_copy:"):
                        try:
                            created = ui.write(events.duplicate_event, organiser, by_id[source].id, new_name,
                                               new_starts, new_ends)
                        except events.EventInputError as error:
                            st.error(ui.plain(str(error)))
                        else:
                            st.session_state[ui.OPEN_EVENT_KEY] = str(created)
                            st.session_state["events_form_revision"] = form_revision + 1
                            ui.flash(f"Created “{' '.join(new_name.split())}” from “{by_id[source].name}”, "
                                     "without its participants. It is now open in the sidebar.")
                            st.rerun()
else:
    st.info("You can view this organisation's events; creating, archiving and deleting them needs a manager "
            "or owner.", icon=":material/visibility:")
