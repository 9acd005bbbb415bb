"""Shown when there is nothing to open: not signed in, unknown e-mail, no organisation or no event."""

import streamlit as st

from eventflow import ui

context = ui.context()
identity = context.identity
st.title("EventFlow Seating")
if not identity.known:
    st.warning(ui.plain(identity.message) if identity.message else "You are not signed in.",
               icon=":material/person_off:")
    if identity.email:
        st.caption("Signed-in e-mail: " + ui.plain(identity.email))
elif not identity.memberships:
    st.info(ui.plain(identity.message) if identity.message else "You are not a member of any organisation yet.")
else:
    st.info("This organisation has no events yet. Events are created by an administrator "
            "(`python -m eventflow`).")
