"""Seating rules the organiser sets (keep together, keep apart), and the headings under which the
checker's findings on a plan are shown, one per rule kind (docs/adding-a-rule.md)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.orm import Session

from eventflow import engine, text_rules
from eventflow.autoseat.instance import name_people
from eventflow.engine.instance import ParticipantId
from eventflow.errors import InputError, require_editor
from eventflow.statements import changed_rows

RuleKind = Literal["together", "apart"]
# The headings organisers read the checker's findings under, in this order, and which kinds of
# violation (engine.RuleKind) each one gathers.
CHECK_FAMILIES = (
    ("seated", "Everyone has exactly one seat"),
    ("capacity", "No table over capacity"),
    ("min_fill", "Minimum fill of every table"),
    ("seat numbers", "Seat numbers exist and are used once"),
    ("pinned", "Pinned people stay at their table"),
    ("together", "Keep-together groups share a table, side by side"),
    ("apart", "Keep-apart pairs at different tables"),
    ("vip", "VIPs at VIP tables (and VIP tables reserved, when set)"),
    ("accessible", "Accessible places for those who need them"),
)
_FAMILY_OF: Mapping[str, str] = {
    engine.RuleKind.SEATED_TWICE: "seated", engine.RuleKind.UNKNOWN_PARTICIPANT: "seated",
    engine.RuleKind.UNKNOWN_TABLE: "seated", engine.RuleKind.NO_SEAT: "seated",
    engine.RuleKind.CAPACITY: "capacity", engine.RuleKind.MIN_FILL: "min_fill",
    engine.RuleKind.SEAT_NUMBERS: "seat numbers", engine.RuleKind.PINNED: "pinned",
    engine.RuleKind.TOGETHER: "together", engine.RuleKind.APART: "apart",
    engine.RuleKind.VIP: "vip", engine.RuleKind.ACCESSIBLE: "accessible",
}
OTHER = ("other", "Other problems the checker found")


@dataclass(frozen=True)
class ConstraintCheck:
    rule: str
    ok: bool
    problems: tuple[str, ...] = ()


def check_family(kind: str) -> str:
    """The heading a violation of ``kind`` (an ``engine.RuleKind``) is shown under; "other" for a
    kind this table does not know yet, so it is never shown under another rule's heading."""
    return _FAMILY_OF.get(kind, OTHER[0])


def rule_checks(instance: engine.Instance, plan: list[engine.Assignment], names: Mapping[ParticipantId, str]
                ) -> tuple[ConstraintCheck, ...]:
    """Every heading with the checker's findings on ``plan`` (people named); "other" only when
    the checker found something no heading gathers."""
    found: dict[str, list[str]] = defaultdict(list)
    for violation in engine.violations(instance, plan):
        found[check_family(violation.kind)].append(name_people(violation.message, names))
    headings = CHECK_FAMILIES + ((OTHER,) if found[OTHER[0]] else ())
    return tuple(ConstraintCheck(label, not found[kind], tuple(found[kind])) for kind, label in headings)


@dataclass(frozen=True)
class SeatingRule:
    id: UUID
    kind: RuleKind
    note: str | None
    participant_ids: tuple[str, ...]
    names: tuple[str, ...]

    @property
    def description(self) -> str:
        joined = ", ".join(self.names)
        return f"Keep together: {joined}" if self.kind == "together" else f"Keep apart: {' and '.join(self.names)}"


def list_rules(session: Session, event_id: UUID) -> list[SeatingRule]:
    rows = session.execute(text("""
        SELECT r.id, r.kind, r.note, r.created_at,
               array_agg(p.id::text ORDER BY lower(p.full_name), p.id) AS participant_ids,
               array_agg(p.full_name ORDER BY lower(p.full_name), p.id) AS names
          FROM seating_rules AS r
          JOIN seating_rule_members AS m ON m.organization_id = r.organization_id AND m.rule_id = r.id
          JOIN participants AS p ON p.organization_id = m.organization_id AND p.id = m.participant_id
         WHERE r.event_id = :event_id
         GROUP BY r.id, r.kind, r.note, r.created_at
         ORDER BY r.kind DESC, r.created_at, r.id
    """), {"event_id": event_id}).all()
    return [SeatingRule(r.id, r.kind, r.note, tuple(r.participant_ids), tuple(r.names)) for r in rows]


def add_rule(session: Session, event_id: UUID, kind: str, participant_ids: list[str | UUID],
             note: str | None = None) -> UUID:
    """Add a keep-together group (two or more people) or a keep-apart pair (exactly two)."""
    if kind not in ("together", "apart"):
        raise InputError("A rule keeps people together or apart.")
    require_editor(session, event_id, "added")
    try:
        people = list(dict.fromkeys(str(UUID(str(pid))) for pid in participant_ids))
    except ValueError:
        raise InputError("Pick participants from the list.") from None
    if kind == "apart" and len(people) != 2:
        raise InputError("A keep-apart rule names exactly two different people.")
    if kind == "together" and len(people) < 2:
        raise InputError("A keep-together group needs at least two different people.")
    note = (note or "").strip() or None
    if note and len(note) > 500:
        raise InputError("The note is longer than 500 characters.")
    text_rules.check(note, "the note", error=InputError)
    found = session.execute(text("SELECT count(*) FROM participants WHERE event_id = :event_id "
                                 "AND id = ANY (CAST(:people AS uuid[]))"),
                            {"event_id": event_id, "people": people}).scalar_one()
    if found != len(people):
        raise InputError("Some of these people are not participants of this event.")
    rule_id: UUID = session.execute(text(
        "INSERT INTO seating_rules (event_id, kind, note) VALUES (:event_id, :kind, :note) RETURNING id"),
        {"event_id": event_id, "kind": kind, "note": note}).scalar_one()
    session.execute(text("""
        INSERT INTO seating_rule_members (organization_id, event_id, rule_id, participant_id)
        SELECT r.organization_id, r.event_id, r.id, p.id
          FROM seating_rules AS r CROSS JOIN unnest(CAST(:people AS uuid[])) AS p (id)
         WHERE r.id = :rule_id
    """), {"rule_id": rule_id, "people": people})
    # Check the rule's size now, then defer again: the caller may add another rule in this transaction.
    session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
    session.execute(text("SET CONSTRAINTS ALL DEFERRED"))
    return rule_id


def remove_rule(session: Session, event_id: UUID, rule_id: UUID) -> None:
    require_editor(session, event_id, "removed")
    deleted = changed_rows(session, text("DELETE FROM seating_rules WHERE event_id = :event_id AND id = :rule_id"),
                              {"event_id": event_id, "rule_id": rule_id})
    if deleted != 1:
        raise InputError("This rule no longer exists: someone may have removed it already.")


def participant_names(session: Session, event_id: UUID) -> list[tuple[str, str]]:
    """(id, name) of everyone in the event, by name: for picking the people of a rule."""
    rows = session.execute(text("SELECT id::text, full_name FROM participants WHERE event_id = :event_id "
                                "ORDER BY lower(full_name), id"), {"event_id": event_id}).all()
    return [(r[0], r[1]) for r in rows]
