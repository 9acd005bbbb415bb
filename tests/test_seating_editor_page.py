"""Seating editor page (AppTest, own demo database): a move to a table takes a free seat, a swap is one action."""

from __future__ import annotations

from sqlalchemy import text

from eventflow.demo import DEMO_EVENT_ID, DEMO_MANAGER_EMAIL

PAGE = "pages/seating_editor.py"


def _seats(database) -> dict[str, tuple[int, int | None]]:
    with database.owner_connection() as conn:
        rows = conn.execute(text("SELECT participant_id::text, table_number, seat_number FROM table_assignments "
                                 "WHERE event_id = :e"), {"e": DEMO_EVENT_ID}).all()
    return {row[0]: (row[1], row[2]) for row in rows}


def test_move_by_table_takes_the_offered_free_seat_and_a_swap_is_one_action(own_demo_database, open_app):
    before = _seats(own_demo_database)
    at = open_app(own_demo_database, DEMO_MANAGER_EMAIL, PAGE)
    assert not at.exception, [e.value for e in at.exception]
    person = at.selectbox(key="quick_person")
    pid = next(p for p in before if before[p][1] is not None)
    fill = {}
    with own_demo_database.owner_connection() as conn:
        for number, capacity in conn.execute(text("SELECT table_number, capacity FROM seating_tables "
                                                  "WHERE event_id = :e ORDER BY 1"), {"e": DEMO_EVENT_ID}):
            fill[number] = capacity
    taken = {}
    for table, seat in before.values():
        if seat is not None:
            taken.setdefault(table, set()).add(seat)
    target = next(n for n, cap in fill.items() if n != before[pid][0] and len(taken.get(n, ())) < cap)
    first_free = min(set(range(1, fill[target] + 1)) - taken.get(target, set()))
    person.set_value(pid).run()
    at.selectbox(key="quick_table").set_value(target).run()
    seat_box = at.selectbox(key=f"quick_seat:{target}")
    assert seat_box.options[0] == f"Next free seat ({first_free})"
    at.button(key="quick_move").click().run()
    assert not at.exception, [e.value for e in at.exception]
    after = _seats(own_demo_database)
    assert after[pid] == (target, first_free)

    # Swap two seated people at different tables: both saved, each on the other's seat.
    a = pid
    b = next(p for p, seat in after.items() if seat[0] not in (target, None) and seat[1] is not None)
    at.selectbox(key="quick_person").set_value(a).run()
    at.selectbox(key="quick_other").set_value(b).run()
    at.button(key="quick_swap").click().run()
    assert not at.exception, [e.value for e in at.exception]
    swapped = _seats(own_demo_database)
    assert swapped[a] == after[b] and swapped[b] == after[a]
