"""The floor plan's browser side: a Streamlit custom component (v2) drawing the room as SVG.

Why a v2 component, written inline here: Streamlit 1.67 (already required) ships
``st.components.v2.component`` — inline HTML, CSS and JavaScript, two-way (data in, trigger values out),
mounted in the page itself, with no Node build step and no extra package to trust. The PyPI
alternatives we looked at either draw charts (plotly: no drag of a person onto a table, no
seat-level hit testing) or wrap a generic canvas in a v1 iframe component with a Node build of its
own; neither would have been less code to own than the ~450 lines of ``static/floor_plan.js``, and both would have put
another dependency between organisers and their room.

What the component does and does not do:

* It draws what :func:`eventflow.floor_plan.plan_payload` sends: tables coloured by fill (or by their
  main track), VIP and accessible tables marked, seats with initials or names once zoomed in far enough
  to read them, room elements with their labels; hover or tap shows who sits on a seat; pan and zoom.
* It never writes anything. Dragging a table, an element or a person, a swap, an unseat or accepting
  a walk-in suggestion only sends an *intent* (``setTriggerValue('intent', …)``); Python validates it
  with the grid's own rules and saves it, then sends the plan again.
* A v2 component is not sandboxed (it runs with the page's DOM privileges), so every name and label
  arrives as data and is drawn with ``textContent`` / SVG text nodes, never parsed as HTML.
* Keyboard: every table and room element is a focusable button with a text alternative (number,
  label, VIP, accessible, seats taken, angle); Enter opens its details in a side panel (a table's people
  with Move / Unseat / Swap buttons, turn buttons); for editors the arrow keys move the focused table or
  element (Shift: 2 m) and R / Shift+R turn it by 15°, the focus staying on it after the redraw.
  Viewers get the same plan without any of the editing.
* Size: the drawing arrives as one JSON string with a key and is parsed once per key; people are known
  by their position in it (no ids); table numbers are drawn only once legible, seats only when zoomed in,
  so a whole room of 2,000 tables is a few thousand SVG nodes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

HTML = """
<div class="fp" data-testid="floor-plan">
  <div class="bar" role="toolbar" aria-label="Floor plan view">
    <button type="button" data-act="in" aria-label="Zoom in">+</button>
    <button type="button" data-act="out" aria-label="Zoom out">−</button>
    <button type="button" data-act="fit">Whole room</button>
    <span class="legend"><i class="sw free"></i>free seats <i class="sw full"></i>full
      <i class="sw vip"></i>VIP <span aria-hidden="true">♿</span> accessible</span>
  </div>
  <div class="main">
    <div class="canvas">
      <svg class="plan" xmlns="http://www.w3.org/2000/svg" role="group" aria-label="Floor plan of the room"></svg>
      <div class="tip" role="tooltip" hidden></div>
    </div>
    <aside class="side" aria-label="Details">
      <div class="offer" hidden></div>
      <div class="detail"><p class="hint"></p></div>
      <section class="unseated" aria-label="People without a seat">
        <h4 class="uh"></h4>
        <ul class="ul"></ul>
      </section>
    </aside>
  </div>
</div>
"""

_STATIC = Path(__file__).resolve().parent / "static"
# Inline strings (v2 takes file paths only for installed packages); kept in files so they read as CSS and JS.
CSS = (_STATIC / "floor_plan.css").read_text(encoding="utf-8")
JS = (_STATIC / "floor_plan.js").read_text(encoding="utf-8")

_component = st.components.v2.component("eventflow_floor_plan", html=HTML, css=CSS, js=JS)


def floor_plan(payload: dict[str, Any], *, key: str, on_intent: Callable[[], None]) -> Any:
    """Mount the plan; ``on_intent`` runs (before the page's script) when the organiser dropped,
    swapped, unseated or accepted something; the intent is in ``st.session_state[key]["intent"]``."""
    return _component(data=payload, key=key, on_intent_change=on_intent, height="content")
