"""Members of the organisation (owners): invite by e-mail, change roles, remove, pending invitations,
and the history of every change."""

import pandas as pd
import streamlit as st

from eventflow import errors, members, ui

context = ui.context()
organiser, membership = context.organiser_id, context.membership
if membership is None or membership.role != "owner":
    st.stop()
organisation = membership.organization_id


def attempt(action, *args, done: str) -> None:
    try:
        result = ui.write(action, organiser, organisation, *args)
    except errors.InputError as error:
        st.error(ui.plain(str(error)))
    else:
        ui.flash(result if isinstance(result, str) else done)
        st.rerun()


def role_label(role: str) -> str:
    return f"{role} — {members.ROLE_DESCRIPTIONS[role]}"


st.title("Members")
st.caption(ui.plain(f"{membership.organization_name} · who may open its events, and with which role"))

with st.form("invite", clear_on_submit=True, border=True):
    st.subheader("Invite someone")
    email_col, role_col = st.columns([3, 2])
    email = email_col.text_input("E-mail address", placeholder="colleague@example.org",
                                 help="They get access when they sign in with this address, verified by their "
                                      "sign-in provider. Nothing is revealed about other organisations.")
    role = role_col.selectbox("Role", members.ROLES, index=1, format_func=role_label)
    if st.form_submit_button("Send invitation", type="primary", icon=":material/person_add:"):
        attempt(members.invite, email, role, done="")

people = ui.read(members.list_members, organiser, organisation)
st.subheader(f"Members ({len(people)})")
st.dataframe(
    pd.DataFrame([{"Name": m.display_name, "E-mail": m.email, "Role": m.role, "Member since": m.joined_at}
                  for m in people]),
    hide_index=True, width="stretch",
    column_config={"Member since": st.column_config.DatetimeColumn(format="DD.MM.YYYY")},
)
by_id = {str(m.organiser_id): m for m in people}
labels = ui.distinct_labels([(key, f"{m.display_name} ({m.email})") for key, m in by_id.items()])
change_col, remove_col = st.columns(2)
with change_col.form("change_role"):
    st.markdown("**Change a role**")
    person = st.selectbox("Member", list(by_id), format_func=labels.__getitem__, key="role_person")
    new_role = st.selectbox("New role", members.ROLES, format_func=role_label, key="role_new")
    if st.form_submit_button("Change role"):
        attempt(members.change_role, by_id[person].organiser_id, new_role,
                done=f"{by_id[person].display_name} is now {new_role}.")
with remove_col.form("remove_member"):
    st.markdown("**Remove a member**")
    leaving = st.selectbox("Member", list(by_id), format_func=labels.__getitem__, key="remove_person")
    sure = st.checkbox("Yes, remove their access to this organisation", key="remove_sure")
    if st.form_submit_button("Remove", icon=":material/person_remove:"):
        if not sure:
            st.error("Tick the box to confirm the removal.")
        else:
            attempt(members.remove_member, by_id[leaving].organiser_id,
                    done=f"Removed {by_id[leaving].display_name} ({by_id[leaving].email}).")
st.caption("An organisation always keeps at least one owner: make someone else an owner before the last one "
           "steps down or leaves.")

pending = ui.read(members.list_invitations, organiser, organisation)
st.subheader(f"Pending invitations ({len(pending)})")
if not pending:
    st.caption("None: everyone invited has signed in.")
else:
    st.dataframe(
        pd.DataFrame([{"E-mail": i.email, "Role": i.role, "Invited by": i.invited_by_name or "an administrator",
                       "Invited on": i.created_at} for i in pending]),
        hide_index=True, width="stretch",
        column_config={"Invited on": st.column_config.DatetimeColumn(format="DD.MM.YYYY HH:mm")},
    )
    invitations = {str(i.id): i for i in pending}
    with st.form("invitation_actions"):
        chosen = st.selectbox("Invitation", list(invitations), format_func=lambda key: invitations[key].email)
        role_for_invitation = st.selectbox("Role", members.ROLES, format_func=role_label, key="invitation_role")
        change, withdraw = st.columns(2)
        if change.form_submit_button("Change its role", width="stretch"):
            attempt(members.change_invitation_role, invitations[chosen].id, role_for_invitation,
                    done=f"The invitation for {invitations[chosen].email} is now for {role_for_invitation}.")
        if withdraw.form_submit_button("Withdraw invitation", width="stretch"):
            attempt(members.withdraw_invitation, invitations[chosen].id,
                    done=f"Withdrew the invitation for {invitations[chosen].email}.")

st.subheader("History")
history = ui.read(members.membership_history, organiser, organisation)
st.dataframe(
    pd.DataFrame([{"When": h.changed_at, "What": h.action, "Who": h.person_name or h.email, "E-mail": h.email,
                   "Role before": h.old_role, "Role after": h.new_role, "By": h.who} for h in history]),
    hide_index=True, width="stretch",
    column_config={"When": st.column_config.DatetimeColumn(format="DD.MM.YYYY HH:mm")},
)
