"""Check-in desk: made for a phone or tablet at the door. Search as you type, one tap per guest."""

import streamlit as st

from eventflow import check_in, ui

context = ui.require_event()

st.title("Check-in")
count = context.read(check_in.door_count)
st.progress(count.checked_in / count.expected if count.expected else 0.0,
            text=f"**{count.checked_in} of {count.expected} checked in** · {count.still_to_come} still to come")
if not context.can_edit:
    st.info("You can look guests up and see their seats; checking people in needs a manager or owner.",
            icon=":material/visibility:")

query = st.text_input("Find a guest", key=f"door_search:{context.event_id}", type="search", live=True,
                      placeholder="First letters of a name, company or e-mail")
found = context.read(check_in.find_guests, query, check_in.MAX_RESULTS + 1)
if not query.strip():
    st.caption("Type a few letters: accents and capitals do not matter (“anna muller” finds Anna Müller).")
elif not found:
    st.warning("Nobody on the list matches. Check the spelling, or try the family name or company.")
elif len(found) > check_in.MAX_RESULTS:
    st.caption(f"More than {check_in.MAX_RESULTS} guests match: type a few more letters. The first "
               f"{check_in.MAX_RESULTS}:")

for guest in found[: check_in.MAX_RESULTS]:
    with st.container(border=True, key=f"guest_{guest.participant_id}"):
        st.markdown(f"**{ui.plain(guest.name)}**" + (f"  \n{ui.plain(guest.company)}" if guest.company else ""))
        st.markdown(f"### {guest.seat}" + (f" · {ui.plain(guest.table_label)}" if guest.table_label else ""))
        if guest.checked_in:
            st.caption(f"Checked in at {guest.checked_in_at:%H:%M}")
        if context.can_edit:
            arriving = not guest.checked_in
            if st.button("Check in" if arriving else "Check out", key=f"door_{guest.participant_id}",
                         type="primary" if arriving else "secondary", width="stretch",
                         icon=":material/how_to_reg:" if arriving else ":material/undo:"):
                context.act(check_in.set_checked_in, guest.participant_id, arriving,
                            done=lambda g: f"{g.name} is checked {'in' if g.checked_in else 'out'}. {g.seat}.")
