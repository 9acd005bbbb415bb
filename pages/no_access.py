"""Shown when there is no organisation to open: not signed in, no account, or no membership yet.
Always says what the person can do next."""

import streamlit as st

from eventflow import errors, organisations, ui

context = ui.context()
identity = context.identity
st.title("Welcome to EventFlow Seating")

if not identity.known:
    st.warning(ui.plain(identity.message) if identity.message else "You are not signed in.",
               icon=":material/person_off:")
    if identity.mode == "sign-in" and ui.sign_in_available():
        if st.user.is_logged_in:
            st.button("Sign out and use another account", on_click=st.logout, key="welcome_sign_out")
        else:
            st.button("Sign in", on_click=st.login, key="welcome_sign_in", type="primary", icon=":material/login:")
    st.stop()

st.write("You are signed in, but not a member of any organisation yet.")
left, right = st.columns(2, gap="large")
with left.container(border=True):
    st.subheader(":material/mail: Join your team")
    st.write("Ask an owner of your organisation to invite this address on their Members page:")
    st.code(identity.email or "", language=None)
    st.caption("The invitation takes effect when you sign in with this address.")
    if st.button("I have been invited: check again", icon=":material/refresh:"):
        ui.clear_reads()
        st.rerun()
if identity.may_create_organization:
    with right.container(border=True), st.form("create_organisation"):
        st.subheader(":material/add_business: Start your own organisation")
        st.write("You become its owner: you can create events and invite colleagues.")
        name = st.text_input("Organisation name", max_chars=organisations.ORGANISATION_NAME_MAX,
                             placeholder="Acme Events")
        if st.form_submit_button("Create organisation", type="primary"):
            try:
                ui.write(organisations.create_organization, identity.organiser_id, name)
            except errors.InputError as error:
                st.error(ui.plain(str(error)))
            else:
                ui.flash(f"Created “{' '.join(name.split())}”. Create its first event below.")
                st.rerun()
else:
    with right.container(border=True):
        st.subheader(":material/admin_panel_settings: New organisation")
        st.write("On this installation, organisations are set up by an administrator. Ask them to add yours, "
                 "with you as its owner:")
        st.code(f"python -m eventflow member add {identity.email} --organization \"Your organisation\" "
                "--create-organization --role owner", language=None)
