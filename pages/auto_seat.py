"""Auto-seat: plan the seating with the engine (before the event, or again on the day), keep people
together or apart, seat walk-ins, and see who should meet whom. Owners and managers only.

The preview lives in ``st.session_state`` between reruns (solving takes seconds); applying checks
that nothing changed since and then forgets it.
"""

import pandas as pd
import streamlit as st

from eventflow import autoseat, errors, event_settings, formatting, solve_slots, ui

context = ui.require_event()
state = st.session_state
preview_key = f"autoseat_preview:{context.organiser_id}:{context.event_id}"

st.title("Auto-seat")
if not context.can_edit:
    st.info("Auto-seat changes the seating: it needs a manager or owner.", icon=":material/visibility:")
    st.stop()

settings = context.read(autoseat.seating_settings)
people = dict(context.read(autoseat.participant_names))

# ------------------------------------------------------------------------------------------ options
st.subheader("Options")
limit_col, mode_col, vip_col, pin_col = st.columns([1, 1, 1.3, 1.3])
time_limit = limit_col.number_input("Time limit (seconds)", min_value=1, max_value=int(autoseat.MAX_TIME_LIMIT),
                                    value=int(autoseat.DEFAULT_TIME_LIMIT), step=1, key="autoseat_time_limit")
mode = mode_col.selectbox("Search", ["auto", "heuristic", "exact"], key="autoseat_mode",
                          format_func={"auto": "Automatic", "heuristic": "Fast (heuristic)",
                                       "exact": "Prove the best (exact)"}.get)
vip_setting, pin_setting = event_settings.BY_KEY["vip_tables_reserved"], event_settings.BY_KEY["pin_manager_seats"]
vip_reserved = vip_col.toggle(vip_setting.label, value=settings.vip_tables_reserved, key="autoseat_vip_reserved",
                              help=vip_setting.help)
pin_manager = pin_col.toggle(pin_setting.label, value=settings.pin_manager_seats, key="autoseat_pin_manager",
                             help=pin_setting.help)
replan_col, penalty_col, checked_in_col, remember_col = st.columns([1, 1, 1.3, 1.3])
replan = replan_col.toggle("Re-plan on the day", key="autoseat_replan",
                           help="Keep today's seating where possible and seat the people still without a seat.")
move_penalty = penalty_col.number_input("Cost of moving someone", min_value=0.0, max_value=100.0, value=1.0,
                                        step=0.5, key="autoseat_move_penalty", disabled=not replan,
                                        help="Score given up for each seated person who changes table.")
move_checked_in = checked_in_col.toggle("Allow moving people who checked in", key="autoseat_move_checked_in")
company = st.segmented_control(
    "Colleagues (same company)", list(autoseat.COMPANY_LABELS), default="mix", key="autoseat_company",
    format_func=autoseat.COMPANY_LABELS.get,
    help="Mix companies spreads colleagues over tables; keep colleagues together seats them side by side. "
         "Applies to people who opted in to networking (nobody else's company is used).") or "mix"
if (vip_reserved, pin_manager) != (settings.vip_tables_reserved, settings.pin_manager_seats) and \
        remember_col.button("Remember these for this event", key="autoseat_remember"):
    context.write(autoseat.save_seating_settings,
             autoseat.SeatingSettings(pin_manager_seats=pin_manager, vip_tables_reserved=vip_reserved))
    ui.flash("Saved as this event's auto-seat settings.")
    st.rerun()
options = autoseat.AutoSeatOptions(time_limit=float(time_limit), mode=mode, vip_tables_reserved=vip_reserved,
                                   pin_manager_seats=pin_manager, replan=replan, move_penalty=float(move_penalty),
                                   move_checked_in=move_checked_in, company=company)

# -------------------------------------------------------------------------------------------- rules
with st.expander("Keep together / keep apart", expanded=False):
    rules = context.read(autoseat.list_rules)
    if not rules:
        st.caption("No rules yet.")
    for rule in rules:
        text_col, remove_col = st.columns([6, 1])
        text_col.markdown(ui.plain(rule.description) + (f" — *{ui.plain(rule.note)}*" if rule.note else ""))
        if remove_col.button("Remove", key=f"autoseat_remove_{rule.id}"):
            context.act(autoseat.remove_rule, rule.id, done="Rule removed.")
    with st.form("autoseat_add_rule", clear_on_submit=True):
        kind = st.radio("Rule", ["together", "apart"], horizontal=True, key="autoseat_rule_kind",
                        format_func={"together": "Keep together (same table, side by side)",
                                     "apart": "Keep apart (two people, different tables)"}.get)
        chosen = st.multiselect("People", list(people), key="autoseat_rule_people", format_func=people.get,
                                placeholder="Type a name")
        note = st.text_input("Note (optional)", key="autoseat_rule_note", max_chars=500)
        if st.form_submit_button("Add rule"):
            context.act(autoseat.add_rule, kind, chosen, note, done="Rule added. Preview again to plan with it.")

# ------------------------------------------------------------------------------------ preview, apply
st.subheader("Plan")
if st.button("Preview", type="primary", key="autoseat_preview"):
    with st.spinner("Planning the seating…"):
        try:
            # Read in a transaction of its own (never a cached read: applying compares against what the
            # preview read), let the connection go, then solve in one of the server's solve slots.
            state[preview_key] = autoseat.preview_detached(
                lambda read: ui.write(read, context.organiser_id), context.event_id, options)
        except solve_slots.ServerBusy as error:
            st.warning(str(error), icon=":material/hourglass_top:")
        except errors.OrganiserError as error:
            st.error(ui.plain(error))

preview: autoseat.PlanPreview | None = state.get(preview_key)
if preview is not None:
    if preview.options != options:
        st.info("The options changed since this preview: preview again to plan with them.",
                icon=":material/info:")
    if preview.shortage:
        st.warning(f"Seats are short. {ui.plain(preview.shortage)}", icon=":material/event_seat:")
    if not preview.feasible:
        st.error("No seating satisfies every rule:\n\n"
                 + "\n\n".join(f"- {ui.plain(line)}" for line in preview.problems), icon=":material/block:")
    else:
        if preview.partial:
            st.info(f"{ui.plain(preview.partial_summary)} {ui.plain(preview.priority)}", icon=":material/rule:")
            st.markdown(f"**Left without a seat ({len(preview.left_out)})**")
            st.dataframe(preview.left_out_frame(), hide_index=True, width="stretch",
                         height=min(300, 38 + 35 * len(preview.left_out)))
        before_col, after_col, seated_col, moved_col = st.columns(4)
        before_col.metric("Networking score now", f"{preview.score_before:g}")
        after_col.metric("After this plan", f"{preview.score_after:g}",
                         delta=f"{preview.score_after - preview.score_before:+g}")
        seated_col.metric("Newly seated", preview.newly_seated)
        moved_col.metric("Change table", preview.moved)
        st.caption(" ".join(ui.plain(line) for line in preview.networking))
        st.markdown("**Rules checked on the plan**")
        st.markdown("\n".join(
            f"- {':white_check_mark:' if check.ok else ':x:'} {ui.plain(check.rule)}"
            + "".join(f"\n    - {ui.plain(problem)}" for problem in check.problems)
            for check in preview.checks))
        with st.expander("How the plan was found"):
            st.markdown("\n".join(f"- {ui.plain(line)}" for line in preview.explanation))
        frame = preview.changes_frame()
        st.caption(f"{len(frame)} people get a new seat ({preview.participants} participants in all).")
        st.dataframe(frame, hide_index=True, width="stretch", height=min(420, 38 + 35 * max(len(frame), 1)))
        all_rules_hold = all(check.ok for check in preview.checks)
        apply_label = (f"Apply partial plan ({len(preview.plan)} of {preview.participants} seated)"
                       if preview.partial else "Apply plan")
        if st.button(apply_label, type="primary", key="autoseat_apply", disabled=not all_rules_hold):
            result = context.write(autoseat.apply_plan, preview)
            if result.ok:
                state.pop(preview_key, None)
                ui.flash(result.message)
                st.rerun()
            else:
                st.error(ui.plain(result.message))

# ----------------------------------------------------------------------------------------- walk-ins
st.subheader("Walk-ins")
unseated = dict(context.read(autoseat.unseated_participants))
if not unseated:
    st.caption("Everyone has a seat.")
else:
    walk_in = st.selectbox("Person without a seat", list(unseated), key="autoseat_walk_in", index=None,
                           format_func=unseated.get, placeholder="Type a name")
    if walk_in is not None:
        suggestions = context.read(autoseat.walk_in_suggestions, walk_in, 3, options)
        if not suggestions:
            st.warning("No table has a free seat that suits this person (VIP, accessibility and keep-apart rules).")
        for suggestion in suggestions:
            reason_col, accept_col = st.columns([6, 1])
            reason_col.markdown(f"**Table {suggestion.table_number}** · {suggestion.free_seats} free · "
                                f"{ui.plain(suggestion.reason)}")
            if accept_col.button("Accept", key=f"autoseat_accept_{walk_in}_{suggestion.table_number}"):
                result = context.write(autoseat.accept_walk_in, walk_in, suggestion.table_number)
                if result.ok:
                    state.pop(preview_key, None)  # the seating changed: an older preview would be refused
                    ui.flash(f"{unseated[walk_in]}: {result.message}")
                    st.rerun()
                else:
                    st.error(ui.plain(result.message))

# -------------------------------------------------------------------------------------- who to meet
st.subheader("Who to meet")
st.caption("For each participant who opted in to networking: the five opted-in people they have most in common "
           "with. People who did not opt in are never listed.")
# On request: at a 20,000-person event the matching takes seconds, too long for every click.
if not st.toggle("Show who should meet whom", key="autoseat_show_meet"):
    st.stop()
meet = context.read(autoseat.who_to_meet_table)
if meet.empty:
    st.caption("Nobody to suggest yet: it needs people who opted in and share interests.")
else:
    st.dataframe(pd.DataFrame(meet), hide_index=True, width="stretch", height=360, column_config={
        "participant": st.column_config.TextColumn("Participant"),
        "rank": st.column_config.NumberColumn("#", width="small"),
        "meet": st.column_config.TextColumn("Should meet"),
        "weight": st.column_config.NumberColumn("Match", format="%.1f", width="small"),
        "shared_interests": st.column_config.TextColumn("Shared interests"),
    })
    st.download_button("Download CSV", formatting.to_safe_csv(meet), "who-to-meet.csv", "text/csv",
                       key="autoseat_meet_csv", on_click="ignore")
