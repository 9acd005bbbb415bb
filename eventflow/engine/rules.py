"""Which tables a person, or a keep-together group (which sits whole), may use.

The one answer for the search (:mod:`indexed`), the infeasibility checks (:mod:`explain`) and
walk-in suggestions (:mod:`suggest`).  The checker in :mod:`score` keeps its own, deliberately
independent, reading of the rules so that it can catch a mistake made here.
"""

from __future__ import annotations

from collections.abc import Sequence

from .instance import Participant, Table, TableNumber


def may_use_table(
    table: Table, people: Sequence[Participant], *, pinned_to: TableNumber | None, vip_tables_reserved: bool,
) -> bool:
    """Whether ``people`` (one person, or a whole keep-together group) may sit at ``table``.

    * pinned (anyone of the group, ``pinned_to``): only that table;
    * anyone a VIP: only VIP tables;
    * anyone needing an accessible place: only accessible tables;
    * nobody a VIP and VIP tables reserved: no VIP table, unless the group is pinned to it.
    """
    if pinned_to is not None and table.table_number != pinned_to:
        return False
    has_vip = any(p.is_vip for p in people)
    if has_vip and not table.is_vip_table:
        return False
    if any(p.needs_accessible for p in people) and not table.accessible:
        return False
    return not (table.is_vip_table and vip_tables_reserved and not has_vip and pinned_to is None)


def tables_open_to(
    tables: Sequence[Table], people: Sequence[Participant], *, pinned_to: TableNumber | None,
    vip_tables_reserved: bool,
) -> list[bool]:
    """:func:`may_use_table` for each of ``tables``, in order."""
    if pinned_to is not None:  # one table to look at, not thousands
        return [t.table_number == pinned_to and may_use_table(
            t, people, pinned_to=pinned_to, vip_tables_reserved=vip_tables_reserved) for t in tables]
    return [may_use_table(t, people, pinned_to=None, vip_tables_reserved=vip_tables_reserved) for t in tables]
