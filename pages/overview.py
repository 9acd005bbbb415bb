"""Overview: the event at a glance."""

import streamlit as st

from eventflow import ui
from eventflow.overview import event_overview

context = ui.require_event()
overview = context.read(event_overview)
if overview is None:
    st.error("This event is no longer available.")
    st.stop()

st.title(ui.plain(overview.event_name))
st.caption(f"{overview.dates} · {ui.plain(overview.venue) if overview.venue else 'venue not set'}")

people, seats, tables = st.columns(3)
with people:
    st.subheader("Participants")
    st.metric("Participants", overview.participants)
    st.metric("Checked in", overview.checked_in,
              help="On-site arrivals recorded on the Participants page.")
    st.metric("Networking opt-in", f"{overview.networking_opt_in_rate:.0%}",
              help=f"{overview.networking_opt_in} of {overview.participants} agreed to networking seating.")
with seats:
    st.subheader("Seating")
    st.metric("Seated", overview.seated, help=f"{overview.seated_rate:.0%} of participants")
    st.metric("Unseated", overview.unseated)
    st.metric("VIPs at VIP tables", f"{overview.vips_at_vip_tables} of {overview.vips}")
with tables:
    st.subheader("Tables")
    st.metric("Tables full", overview.tables_full)
    st.metric("Tables partly filled", overview.tables_partly_filled)
    st.metric("Tables empty", overview.tables_empty)
st.progress(overview.seated_rate, text=f"{overview.seated} of {overview.participants} seated · "
            f"{overview.seats} seats at {overview.tables} tables")
