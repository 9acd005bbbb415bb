"""EventFlow Seating — the dashboard's entry point: ``streamlit run app.py``.

Sets up who is signed in and which event is open (sidebar), then routes to the pages that
organiser's role may use. The page list is built here and only here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import streamlit as st

from eventflow import profiling, ui

EVERYONE = frozenset({"owner", "manager", "viewer"})
EDITORS = frozenset({"owner", "manager"})
OWNERS = frozenset({"owner"})
DOOR = EVERYONE | {"door"}  # door staff: the check-in desk and nothing else


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    roles: frozenset[str] = EVERYONE
    group: str = "Event"
    needs_event: bool = True  # False: useful before the organisation has any event


# Viewers get every page, read-only. Pages for later issues (Auto-seat for EDITORS, History)
# are one line each here.
PAGES = (
    PageSpec("pages/overview.py", "Overview", ":material/dashboard:"),
    PageSpec("pages/seating_editor.py", "Seating editor", ":material/event_seat:"),
    PageSpec("pages/floor_plan.py", "Floor plan", ":material/floor:"),
    PageSpec("pages/auto_seat.py", "Auto-seat", ":material/auto_awesome:", roles=EDITORS),
    PageSpec("pages/tables.py", "Tables", ":material/table_restaurant:"),
    PageSpec("pages/participants.py", "Participants", ":material/groups:"),
    PageSpec("pages/check_in.py", "Check-in", ":material/how_to_reg:", roles=DOOR),
    PageSpec("pages/history.py", "History", ":material/history:", group="Review"),
    PageSpec("pages/track_distribution.py", "Track distribution", ":material/bar_chart:", group="Review"),
    PageSpec("pages/event_settings.py", "Event settings", ":material/settings:", group="Setup"),
    PageSpec("pages/events.py", "Events", ":material/calendar_month:", group="Organisation", needs_event=False),
    PageSpec("pages/members.py", "Members", ":material/group_add:", roles=OWNERS, group="Organisation",
             needs_event=False),
)
NO_ACCESS = PageSpec("pages/no_access.py", "Welcome", ":material/waving_hand:")


def navigation_for(context: ui.PageContext) -> dict[str, list[st.Page]]:
    if context.membership is None:
        return {"": [st.Page(NO_ACCESS.path, title=NO_ACCESS.title, icon=NO_ACCESS.icon, default=True)]}
    groups: dict[str, list[st.Page]] = {}
    usable = (p for p in PAGES if context.role in p.roles and (context.ready or not p.needs_event))
    for index, spec in enumerate(usable):
        groups.setdefault(spec.group, []).append(
            st.Page(spec.path, title=spec.title, icon=spec.icon, default=index == 0))
    return groups


def page_asked_for(url: str | None) -> PageSpec | None:
    """The page ``url`` names, if any.

    Why: Streamlit runs the very first session of a freshly started server in its old "pages
    folder" mode, which runs the page in the address bar without this script. That page finds no
    context, notes the address and switches here (``ui.context``); ``main`` maps it back to the page
    and opens it once the sidebar has set the context up. This is the only place that knows of it."""
    if not url:
        return None
    name = urlsplit(url).path.rstrip("/").rpartition("/")[2]
    return next((spec for spec in PAGES if Path(spec.path).stem == name), None)


def main() -> None:
    st.set_page_config(page_title="EventFlow Seating", page_icon="🪑", layout="wide")
    page_context = ui.sidebar()
    pages = navigation_for(page_context)
    navigation = st.navigation(pages)
    wanted = page_asked_for(st.session_state.pop(ui.RESUME_PAGE_KEY, None))
    if wanted is not None and page_context.membership is not None:
        # Only to a page of this organiser's navigation: switching to another one is an exception.
        if page_context.role in wanted.roles and (page_context.ready or not wanted.needs_event):
            st.switch_page(wanted.path, query_params=st.query_params.to_dict())  # a shared link stays one
        elif page_context.role not in wanted.roles:
            ui.flash(f"{wanted.title} needs a manager or owner of this organisation; you are a "
                     f"{page_context.role}. Here is what you can see.", "info")
    ui.show_flash()
    navigation.run()


if __name__ == "__main__":  # streamlit run and AppTest run it as __main__; tests import it for PAGES
    with profiling.profiled("page"):  # records only with EVENTFLOW_PROFILE set (bench --load)
        main()
