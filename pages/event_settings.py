"""Event settings: details, the default networking opt-in, and tracks."""

import streamlit as st

from eventflow import errors, event_settings, events, ui

context = ui.require_event()
settings = context.read(events.event_settings)
if settings is None:
    st.error("This event is no longer available.")
    st.stop()
read_only = not context.can_edit

st.title("Event settings")
if read_only:
    st.info("You can view these settings; changing them needs a manager or owner.")


with st.form("event_details"):
    st.subheader("Details")
    name = st.text_input("Name", settings.name, disabled=read_only)
    start_col, end_col = st.columns(2)
    starts_on = start_col.date_input("Starts", settings.starts_on, disabled=read_only, format="DD.MM.YYYY")
    ends_on = end_col.date_input("Ends", settings.ends_on, disabled=read_only, format="DD.MM.YYYY")
    venue = st.text_input("Venue", settings.venue or "", disabled=read_only)
    opt_in_setting = event_settings.BY_KEY["default_networking_opt_in"]
    opt_in = st.toggle(opt_in_setting.label, settings.default_networking_opt_in, disabled=read_only,
                       help=opt_in_setting.help)
    if not read_only and st.form_submit_button("Save details", type="primary"):
        try:
            context.write(events.update_event_details, name, starts_on, ends_on, venue)
            if opt_in != settings.default_networking_opt_in:
                context.write(events.set_default_networking_opt_in, opt_in)
        except errors.OrganiserError as error:
            st.error(ui.plain(error))
        else:
            ui.flash("Event details saved.")
            st.rerun()
    elif read_only:
        st.form_submit_button("Save details", disabled=True)

st.subheader("Tracks")
tracks = context.read(events.list_tracks)
if not tracks:
    st.caption("No tracks yet.")
for track in tracks:
    name_col, count_col, rename_col, active_col = st.columns([3, 1, 3, 1.4])
    name_col.markdown(f"**{ui.plain(track.name)}**" + ("" if track.is_active else " · _inactive_"))
    count_col.caption(f"{track.participants} people")
    if read_only:
        continue
    with rename_col.popover("Rename", icon=":material/edit:"):
        new_name = st.text_input("New name", track.name, key=f"rename_{track.id}")
        if st.button("Rename", key=f"do_rename_{track.id}"):
            context.act(events.rename_track, track.id, new_name, done=f"Track renamed to “{new_name.strip()}”.")
    label = "Deactivate" if track.is_active else "Reactivate"
    if active_col.button(label, key=f"toggle_{track.id}",
                         help="Inactive tracks are left out of statistics; choices are kept."):
        context.act(events.set_track_active, track.id, not track.is_active,
                done=f"Track “{track.name}” {'deactivated' if track.is_active else 'reactivated'}.")

if not read_only:
    with st.form("add_track", clear_on_submit=True):
        new_track = st.text_input("New track")
        if st.form_submit_button("Add track"):
            context.act(events.add_track, new_track, done=f"Track “{new_track.strip()}” added.")
