"""The networking score in organisers' words: what it rewards, and why it can be 0.

The score only ever counts pairs of people who both opted in to networking (nobody else's
interests, company or tracks are even read), so "0 → 0" usually means "nobody opted in": the
preview says so instead of showing two bare zeros.
"""

from __future__ import annotations

from typing import Literal

from eventflow import engine

CompanyChoice = Literal["mix", "together", "no preference"]

# "Mix companies" is the engine's default weight; "keep colleagues together" turns it round.
COMPANY_WEIGHTS: dict[str, float] = {"mix": engine.Weights().same_company,
                                     "together": -engine.Weights().same_company, "no preference": 0.0}
COMPANY_LABELS: dict[str, str] = {"mix": "Mix companies", "together": "Keep colleagues together",
                                  "no preference": "No preference"}


def weights_for(company: str) -> engine.Weights:
    """The score's weights for the organiser's company choice (interests and tracks as by default)."""
    return engine.Weights(same_company=COMPANY_WEIGHTS[company])


def _points(value: float) -> str:
    return f"{value:+g} point" + ("" if abs(value) == 1 else "s")


def rewards_sentence(weights: engine.Weights) -> str:
    """What the score counts, from the weights in use."""
    company = ("colleagues from the same company at one table count "
               + (f"{_points(weights.same_company)} (to mix companies)" if weights.same_company < 0 else
                  f"{_points(weights.same_company)} (to keep colleagues together)" if weights.same_company > 0
                  else "nothing"))
    return ("The networking score adds up, for every two people at the same table who both opted in to "
            f"networking: {_points(weights.shared_interest)} for each interest they share; {company}; "
            f"{_points(weights.same_track)} for each track they share (so tables mix tracks). "
            "People who did not opt in are never counted.")


def networking_note(instance: engine.Instance) -> tuple[str, ...]:
    """Why the score is what it is (e.g. 0 because nobody opted in), then what it rewards."""
    opted = [p for p in instance.participants if p.networking_opt_in]
    lines = []
    if len(opted) < 2:
        who = "Nobody has" if not opted else "Only one person has"
        lines.append(f"The networking score is 0 whatever the seating: {who} opted in to networking "
                     f"(of {len(instance.participants)} participants), so there is nobody to match. Opt people "
                     "in on the Participants page (or make it the event's default in Event settings).")
    elif not any(p.interests or p.company or p.tracks for p in opted):
        lines.append(f"{len(opted)} people opted in to networking, but none has interests, a company or tracks "
                     "recorded, so there is nothing to match on yet.")
    else:
        lines.append(f"{len(opted)} of {len(instance.participants)} participants opted in to networking.")
    lines.append(rewards_sentence(instance.weights))
    return tuple(lines)
