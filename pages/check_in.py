"""Check-in desk: made for a phone or tablet at the door. Search as you type, one tap per guest."""

import streamlit as st

from eventflow import check_in, errors, event_settings, guest_qr, printouts, ui

context = ui.require_event()

st.title("Check-in")
count = context.read(check_in.door_count)
zone = context.read(event_settings.event_time_zone)
st.progress(count.checked_in / count.expected if count.expected else 0.0,
            text=f"**{count.checked_in} of {count.expected} checked in** · {count.still_to_come} still to come")
# Door staff, managers and owners check people in (the database's door functions decide); an
# archived event is read-only for everyone.
may_check_in = context.role in check_in.DOOR_ROLES and not (context.event and context.event.archived)
if not may_check_in:
    st.info("You can look guests up and see their seats; checking people in needs door staff, a manager or "
            "an owner.", icon=":material/visibility:")

query = st.text_input("Find a guest", key=f"door_search:{context.event_id}", type="search", live=True,
                      placeholder="First letters of a name, company or e-mail")
found = context.read(check_in.find_guests, query, check_in.MAX_RESULTS + 1)
if not query.strip():
    st.caption("Type a few letters: accents and capitals do not matter (“anna muller” finds Anna Müller). "
               "A guest's check-in code (on the exported list; a hand-held scanner types it) finds them too.")
elif not found:
    st.warning("Nobody on the list matches. Check the spelling, or try the family name or company.")
elif len(found) > check_in.MAX_RESULTS:
    st.caption(f"More than {check_in.MAX_RESULTS} guests match: type a few more letters. The first "
               f"{check_in.MAX_RESULTS}:")

def show(guest: check_in.Guest, where: str) -> None:
    """One guest: name, place in large type, arrival, and the one-tap button."""
    box = f"guest_{guest.participant_id}" if where == "door" else f"scanned_{guest.participant_id}"
    with st.container(border=True, key=box):
        st.markdown(f"**{ui.plain(guest.name)}**" + (f"  \n{ui.plain(guest.company)}" if guest.company else ""))
        st.markdown(f"### {guest.seat}" + (f" · {ui.plain(guest.table_label)}" if guest.table_label else ""))
        if guest.checked_in:
            st.caption(f"Checked in at {guest.checked_in_at.astimezone(zone):%H:%M} ({zone.key})")
        if may_check_in:
            arriving = not guest.checked_in
            if st.button("Check in" if arriving else "Check out", key=f"{where}_{guest.participant_id}",
                         type="primary" if arriving else "secondary", width="stretch",
                         icon=":material/how_to_reg:" if arriving else ":material/undo:"):
                context.act(check_in.set_checked_in, guest.participant_id, arriving,
                            done=lambda g: f"{g.name} is checked {'in' if g.checked_in else 'out'}. {g.seat}.")


for guest in found[: check_in.MAX_RESULTS]:
    show(guest, "door")

with st.expander("Scan a guest's QR code", icon=":material/qr_code_scanner:"):
    st.caption("The code is on the place card and on the guest QR list. Hold it flat, fill the frame, take the photo.")
    photo = st.camera_input("Camera", key=f"door_camera:{context.event_id}", label_visibility="collapsed")
    if photo is not None:
        try:
            scanned = guest_qr.read_guest_code(photo.getvalue())
        except errors.InputError as error:
            st.error(ui.plain(error))
        else:
            if scanned is None:
                st.warning("No guest code in this photo. Hold the code flat and a little closer, then take it again.")
            elif (scanned_guest := context.read(check_in.guest, scanned)) is None:
                st.error("This code is not for a guest of this event (another event's card, or the guest was "
                         "removed). Search by name instead.")
            else:
                show(scanned_guest, "scan")

if context.role == "door":
    st.stop()  # print-outs list companies and every table: not for door staff

with st.expander("Print-outs (PDF)", icon=":material/print:"):
    layout = st.radio("Place cards", list(printouts.CARD_LAYOUTS), format_func=printouts.CARD_LAYOUTS.get,
                      key="card_layout")
    # Made when clicked (a card per guest is hundreds of pages), as this organiser.
    st.download_button("Place cards", lambda: context.read(printouts.place_cards_pdf, layout),
                       f"place-cards-{layout}.pdf", "application/pdf", key="print_cards", width="stretch",
                       icon=":material/badge:", help="Seated guests, by name; no VIP marks are printed.",
                       on_click="ignore")
    st.download_button("Table lists", lambda: context.read(printouts.table_lists_pdf), "table-lists.pdf",
                       "application/pdf", key="print_tables", width="stretch", icon=":material/table_restaurant:",
                       on_click="ignore")
    st.download_button("Guest QR codes (for check-in)", lambda: context.read(printouts.qr_list_pdf),
                       "guest-qr-codes.pdf", "application/pdf", key="print_qr", width="stretch",
                       icon=":material/qr_code_2:", help="Each guest's name, table and QR code, to hand out or send.",
                       on_click="ignore")
    st.download_button("Find your table (escort list)", lambda: context.read(printouts.escort_list_pdf),
                       "find-your-table.pdf", "application/pdf", key="print_escort", width="stretch",
                       icon=":material/sort_by_alpha:", on_click="ignore")
    st.caption(f"Times are in the event's time zone, {zone.key} (Event settings).")
    missing = printouts.missing_fonts()
    if missing:
        st.warning(missing)
