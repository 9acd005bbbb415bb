"""Floor plan: the room with its tables and people; drag and drop, find someone, walk-ins, print.

The component only sends intents; ``eventflow.floor_plan`` validates and saves them against the plan
that was on screen (kept in the session until the next save or reload), so a colleague's change in
between is reported, never overwritten.
"""

import time
from typing import Any

import streamlit as st

from eventflow import floor_plan, floor_plan_print, ui
from eventflow.floor_plan_component import floor_plan as plan_component

context = ui.require_event()
state = st.session_state
store_key = f"floor:{context.organiser_id}:{context.event_id}"
COMPONENT_KEY = f"floor_plan:{context.event_id}"
store: dict[str, Any] = state.setdefault(store_key, {"token": 0, "drawn": {}, "offer": None, "notice": None})


def _notice(kind: str, text: str) -> None:
    store["notice"] = (kind, text)


def _reload() -> None:
    store["token"] += 1
    store["patched"] = None
    ui.clear_reads()


def _handle_intent() -> None:
    """Runs before the page when the plan sent an intent: validate and save it, keep the outcome."""
    intent = (state.get(COMPONENT_KEY) or {}).get("intent")
    if not isinstance(intent, dict) or not context.can_edit:
        return
    # The plan the browser drew (people are named by their place in its lists), by the drawing's key: a
    # run interrupted before its drawing reached the browser must not shift whom an index means.
    shown: floor_plan.FloorPlan | None = store.get("drawn", {}).get(intent.get("key"))
    if shown is None or intent.get("token") != store["token"]:
        _notice("warning", "The plan had just been updated: nothing was saved. Please try again.")
        return
    kind = intent.get("kind")
    organiser = context.organiser_id  # the grid-based moves carry their event in the grid
    store["offer"] = None
    try:
        people = [floor_plan.participant_at(shown, intent[k]) for k in ("p", "o") if intent.get(k) is not None]
        if kind == "move_table":
            result = context.write(floor_plan.move_table, int(intent["table"]), intent["x"], intent["y"],
                              intent.get("version"))
        elif kind == "move_element":
            result = context.write(floor_plan.move_element, str(intent["id"]), intent["x"], intent["y"],
                              int(intent["version"]))
        elif kind == "turn_table":
            result = context.write(floor_plan.turn_table, int(intent["table"]), intent["rotation"],
                                   intent.get("version"))
        elif kind == "change_element":
            result = context.write(floor_plan.change_element, str(intent["id"]), int(intent["version"]),
                                   label=intent.get("label"), width=intent.get("w"), height=intent.get("h"))
        elif kind == "turn_element":
            result = context.write(floor_plan.turn_element, str(intent["id"]), intent["rotation"],
                                   int(intent["version"]))
        elif kind == "move_person":
            seat = intent.get("seat")
            result = ui.write(floor_plan.move_person, organiser, shown.grid, people[0], int(intent["table"]),
                              int(seat) if seat else None)
            if result.swap_with:
                store["offer"] = {"pid": people[0], "text": result.message,
                                  "with": [list(pair) for pair in result.swap_with[:20]]}
        elif kind == "swap":
            result = ui.write(floor_plan.swap_people, organiser, shown.grid, people[0], people[1])
        elif kind == "unseat":
            result = ui.write(floor_plan.unseat_person, organiser, shown.grid, people[0])
        elif kind == "accept":
            result = context.write(floor_plan.accept_walk_in, people[0], int(intent["table"]))
            if result.ok:
                state.pop("floor_walk_in_name", None)  # before the widget is drawn again: allowed here
        else:  # "dismiss" or anything unknown: nothing to save
            return
    except (floor_plan.FloorPlanError, KeyError, TypeError, ValueError) as error:
        _notice("error", f"Nothing was saved: {error}")
        return
    if result.ok:
        _notice("success", result.message)
        # Read back only what this save changed; colleagues' changes arrive with the next full read.
        store["patched"] = (time.monotonic(), floor_plan.draw(ui.read_fresh(
            floor_plan.refresh_plan, organiser, shown, people=people,
            tables=[int(intent["table"])] if kind in ("move_table", "turn_table") else [],
            elements=kind in ("move_element", "turn_element", "change_element"))))
        store["token"] += 1
        return
    if result.conflict:
        _notice("warning", result.message)
    elif not store["offer"]:
        _notice("error", result.message)
    _reload()


def _undo(change_set_id: str) -> None:
    result = context.write(floor_plan.undo_layout_change, change_set_id)
    _notice("success" if result.ok else "warning", result.message)
    _reload()


st.title("Floor plan")
if not context.can_edit:
    st.caption("Read-only: you can view this event's plan; changes need a manager or owner.")

colour_by = "fill"
search_col, option_col = st.columns([3, 2])
query = search_col.text_input("Find a person", key="floor_find", placeholder="Name, accents and case don't matter")
with option_col:
    colour_by = st.radio("Colour tables by", ["fill", "track"], horizontal=True, key="floor_colour",
                         format_func=lambda v: {"fill": "Free seats", "track": "Main track"}[v])

patched = store.get("patched")
if patched is not None and time.monotonic() - patched[0] < ui.READ_TTL_SECONDS and colour_by == "fill":
    drawn: floor_plan.DrawnPlan = patched[1]  # just saved here: the plan as read back after the save
else:
    store["patched"] = None
    # Not through the read cache: load_drawn_plan shares unchanged plans itself, and is never stale.
    drawn = ui.read_fresh(floor_plan.load_drawn_plan, context.organiser_id, context.event_id,
                          with_track_mix=colour_by == "track")
if context.can_edit and drawn.plan.needs_layout:
    context.write(floor_plan.ensure_layout)
    drawn = ui.read_fresh(floor_plan.load_drawn_plan, context.organiser_id, context.event_id,
                          with_track_mix=colour_by == "track")
plan = drawn.plan
# The last few drawings sent, by key: an intent is resolved against the one it was made on.
store["drawn"] = {**{k: v for k, v in list(store.get("drawn", {}).items())[-2:] if k != drawn.key}, drawn.key: plan}

focus = hit = None
if query.strip():
    found = floor_plan.find_people(plan.grid, query)
    if not found:
        st.warning("Nobody in this event has a name like that.")
    else:
        first = found[0]
        focus, hit = first.table_number, first.participant_id
        # Plain text: names are shown as typed, never as Markdown.
        st.text("Where is … " + first.where)
        for other in found[1:5]:
            st.text(other.where)

suggestions: list[tuple[int, str]] = []
walk_in = None
if context.can_edit:
    with st.expander("Walk-in: suggest a table for someone without a seat",
                     expanded=bool(state.get("floor_walk_in_name"))):
        walk_in_name = st.text_input("Who arrived?", key="floor_walk_in_name", placeholder="Their name")
        candidates = {f.participant_id: f.name for f in floor_plan.find_walk_ins(plan, walk_in_name)} \
            if walk_in_name.strip() else {}
        if walk_in_name.strip() and not candidates:
            st.warning("Nobody without a seat has a name like that.")
        walk_in = st.radio("Pick them", list(candidates), key="floor_walk_in", index=None,
                           format_func=lambda pid: candidates.get(pid, "?")) if candidates else None
        if walk_in:
            try:
                found_tables = context.read(floor_plan.walk_in_suggestions, walk_in)
            except ValueError as error:
                st.error(ui.plain(error))
                found_tables = []
            suggestions = [(s.table_number, s.reason) for s in found_tables]
            if not suggestions:
                st.info("No table has a free seat that suits this person.")
            for number, reason in suggestions:
                st.text(f"Table {number}: {reason}")
            st.caption("Suggested tables are outlined in green on the plan: select one and press "
                       "“Seat the walk-in here”.")

above = st.container()
payload = floor_plan.plan_payload(drawn, can_edit=context.can_edit, focus=focus, hit=hit, suggestions=suggestions,
                                  walk_in=walk_in, colour_by=colour_by, token=store["token"],
                                  offer=store.get("offer"))
plan_component(payload, key=COMPONENT_KEY, on_intent=_handle_intent)

# Undo and the outcome of the last action, above the plan, in one container: what comes and goes
# there does not move the plan in the page (which would draw it afresh and lose the zoom). Filled after
# the plan is sent: the browser starts drawing while the undo offer is still being read.
with above:
    if context.can_edit:
        offer = ui.read_fresh(floor_plan.undo_offer, context.organiser_id, context.event_id)
        last = offer.change
        if last is not None:
            ago = "just now" if last.minutes_ago < 1 else f"{last.minutes_ago} min ago"
            # Labels are organisers' text: shown as typed, never as Markdown.
            st.button(f"Undo my last layout change: {ui.plain(last.what)} ({ago})", key="floor_undo",
                      icon=":material/undo:", on_click=_undo, args=(last.change_set_id,))
        if offer.note:
            st.caption(ui.plain(offer.note))
    notice = store.get("notice")
    if notice:
        {"success": st.success, "warning": st.warning}.get(notice[0], st.error)(ui.plain(notice[1]))
        store["notice"] = None

# Built only on request: at 2,000 tables it is a large table to send on every run.
if st.toggle("Show the plan as text (every table, its place and its people)", key="floor_as_text"):
    st.dataframe(floor_plan.table_summary(plan), hide_index=True, width="stretch")

st.subheader("Print")
title = f"{context.event.name} — floor plan" if context.event else "Floor plan"
pdf_a4, pdf_a3, svg_col = st.columns(3)
pdf_a4.download_button("Floor plan, PDF (A4 landscape)", key="floor_pdf_a4", mime="application/pdf",
                       file_name="floor-plan-A4.pdf",
                       data=lambda: floor_plan_print.plan_pdf(plan, title, "A4"), on_click="ignore")
pdf_a3.download_button("Floor plan, PDF (A3 landscape)", key="floor_pdf_a3", mime="application/pdf",
                       file_name="floor-plan-A3.pdf",
                       data=lambda: floor_plan_print.plan_pdf(plan, title, "A3"), on_click="ignore")
svg_col.download_button("Floor plan, SVG", key="floor_svg", mime="image/svg+xml", file_name="floor-plan.svg",
                        data=lambda: floor_plan_print.plan_svg(plan, title), on_click="ignore")
