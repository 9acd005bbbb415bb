"""Auto-seat: the seating engine (``eventflow.engine``) run on an event's data, and its plans written.

One module per concern (pages and the CLI use the names re-exported here):

* :mod:`~eventflow.autoseat.options`: the organiser's choices for a run, the event's auto-seat settings.
* :mod:`~eventflow.autoseat.rules`: keep-together / keep-apart rules, and the heading each rule kind's
  findings are shown under (adding a rule kind: docs/adding-a-rule.md).
* :mod:`~eventflow.autoseat.instance`: the event read into an engine instance (load).
* :mod:`~eventflow.autoseat.plan`: solve → preview → apply.
* :mod:`~eventflow.autoseat.shortage`: seats short: the numbers, and a partial plan in a stated priority.
* :mod:`~eventflow.autoseat.networking`: what the networking score rewards, and the colleagues choice.
* :mod:`~eventflow.autoseat.walk_ins`: walk-in suggestions and "who to meet".
"""

from eventflow import engine  # the engine the plans run on (tests patch engine.solve through it)
from eventflow.autoseat.instance import EventInstance, event_instance, name_people
from eventflow.autoseat.networking import COMPANY_LABELS, networking_note, rewards_sentence
from eventflow.autoseat.options import (
    DEFAULT_TIME_LIMIT,
    MAX_TIME_LIMIT,
    AutoSeatOptions,
    Mode,
    SeatingSettings,
    save_seating_settings,
    seating_settings,
)
from eventflow.autoseat.plan import (
    STALE_MESSAGE,
    ApplyResult,
    LeftOut,
    PlanInput,
    PlanKind,
    PlannedSeat,
    PlanPreview,
    apply_plan,
    preview_detached,
    preview_plan,
    read_plan_input,
    solve_plan,
)
from eventflow.autoseat.rules import (
    CHECK_FAMILIES,
    ConstraintCheck,
    RuleKind,
    SeatingRule,
    add_rule,
    check_family,
    list_rules,
    participant_names,
    remove_rule,
    rule_checks,
)
from eventflow.autoseat.walk_ins import (
    WHO_TO_MEET_COLUMNS,
    WalkInSuggestion,
    accept_walk_in,
    unseated_participants,
    walk_in_suggestions,
    who_to_meet_table,
)
from eventflow.errors import OrganiserError as AutoSeatError  # the name callers knew

__all__ = [
    "CHECK_FAMILIES", "DEFAULT_TIME_LIMIT", "MAX_TIME_LIMIT", "STALE_MESSAGE", "WHO_TO_MEET_COLUMNS",
    "COMPANY_LABELS", "LeftOut", "networking_note", "rewards_sentence",
    "ApplyResult", "AutoSeatError", "AutoSeatOptions", "ConstraintCheck", "EventInstance", "Mode", "PlanInput",
    "PlanKind", "PlanPreview", "PlannedSeat", "RuleKind", "SeatingRule", "SeatingSettings", "WalkInSuggestion",
    "accept_walk_in", "add_rule", "apply_plan", "check_family", "event_instance", "list_rules", "name_people",
    "participant_names", "preview_detached", "preview_plan", "read_plan_input", "remove_rule", "rule_checks",
    "save_seating_settings", "seating_settings", "solve_plan", "unseated_participants", "walk_in_suggestions",
    "who_to_meet_table", "engine",
]
