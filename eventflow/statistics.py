"""How participants are spread over tracks and tables — for the post-event review.

Figures come from the ``track_statistics`` view (active tracks only; percentages are of the
participants in at least one active track, so they may add up to more than 100). Each reader
returns a tidy ``pd.DataFrame`` (what the CSV download contains); the ``*_figure`` functions turn
one into a plotly figure sized for a projector as well as a laptop.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from uuid import UUID

import pandas as pd
import plotly.graph_objects as go
from sqlalchemy import text
from sqlalchemy.orm import Session

# Okabe–Ito: tells tracks apart for colour-blind viewers and on washed-out projectors.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def track_distribution(session: Session, event_id: UUID) -> pd.DataFrame:
    """Participants and percentage per active track: columns ``track``, ``participants``, ``percentage``."""
    rows = session.execute(
        text(
            """
            SELECT track_name AS track, participant_count AS participants, percentage
              FROM track_statistics
             WHERE event_id = :event_id
             ORDER BY participant_count DESC, track_name
            """
        ),
        {"event_id": event_id},
    ).all()
    frame = pd.DataFrame(rows, columns=["track", "participants", "percentage"])
    return frame.astype({"track": "string", "participants": "int64", "percentage": "float64"})


def seating_by_track(session: Session, event_id: UUID) -> pd.DataFrame:
    """Seated and unseated participants per active track: ``track``, ``seated``, ``unseated``."""
    rows = session.execute(
        text(
            """
            SELECT t.name AS track,
                   count(a.id) AS seated,
                   count(pt.participant_id) - count(a.id) AS unseated
              FROM tracks AS t
              LEFT JOIN participant_tracks AS pt
                     ON pt.organization_id = t.organization_id AND pt.event_id = t.event_id AND pt.track_id = t.id
              LEFT JOIN table_assignments AS a
                     ON a.organization_id = pt.organization_id AND a.event_id = pt.event_id
                    AND a.participant_id = pt.participant_id
             WHERE t.event_id = :event_id AND t.is_active
             GROUP BY t.id, t.name
             ORDER BY count(pt.participant_id) DESC, t.name
            """
        ),
        {"event_id": event_id},
    ).all()
    frame = pd.DataFrame(rows, columns=["track", "seated", "unseated"])
    return frame.astype({"track": "string", "seated": "int64", "unseated": "int64"})


def table_track_mix(session: Session, event_id: UUID) -> pd.DataFrame:
    """Seated participants per table and active track (long form): ``table``, ``track``, ``participants``.

    Every table and every active track appear, with zeros, so the heat map has no holes. The
    database counts only the pairs that occur; the zeros are filled in here, which keeps the query
    proportional to the people seated rather than to tables × tracks.
    """
    params = {"event_id": event_id}
    # Seats and track memberships are counted first and only then named: joined in one step, the
    # planner under-estimates the event's seats (organisation and event are correlated) and once
    # paired every seat with every track before matching people, 45 s on a 20,000-person event.
    counts = session.execute(
        text(
            """
            SELECT c.table_number AS "table", t.name AS track, c.participants
              FROM (SELECT a.table_number, pt.track_id, count(*) AS participants
                      FROM table_assignments AS a
                      JOIN participant_tracks AS pt
                        ON pt.organization_id = a.organization_id AND pt.event_id = a.event_id
                       AND pt.participant_id = a.participant_id
                     WHERE a.event_id = :event_id AND pt.event_id = :event_id
                     GROUP BY a.table_number, pt.track_id) AS c
              JOIN tracks AS t ON t.event_id = :event_id AND t.id = c.track_id
             WHERE t.is_active
            """
        ),
        params,
    ).all()
    tables, tracks = session.execute(text(
        "SELECT ARRAY(SELECT table_number FROM seating_tables WHERE event_id = :event_id), "
        "       ARRAY(SELECT name FROM tracks WHERE event_id = :event_id AND is_active)"), params).one()
    columns = ["table", "track", "participants"]
    if not tables or not tracks:
        return pd.DataFrame(columns=columns).astype({"table": "int64", "track": "string", "participants": "int64"})
    every_pair = pd.MultiIndex.from_product([sorted(tables), sorted(tracks)], names=["table", "track"])
    found = pd.DataFrame(counts, columns=columns).set_index(["table", "track"])["participants"]
    frame = found.reindex(every_pair, fill_value=0).reset_index()
    return frame.astype({"table": "int64", "track": "string", "participants": "int64"})


def organisation_comparison(session: Session, organization_id: UUID) -> pd.DataFrame:
    """The organisation's events side by side: ``event``, ``starts_on``, ``track``, ``participants``, ``percentage``."""
    rows = session.execute(
        text(
            """
            SELECT e.name AS event, e.starts_on, s.track_name AS track,
                   s.participant_count AS participants, s.percentage
              FROM track_statistics AS s
              JOIN events AS e ON e.organization_id = s.organization_id AND e.id = s.event_id
             WHERE s.organization_id = :organization_id
             ORDER BY e.starts_on NULLS LAST, e.name, s.participant_count DESC, s.track_name
            """
        ),
        {"organization_id": organization_id},
    ).all()
    frame = pd.DataFrame(rows, columns=["event", "starts_on", "track", "participants", "percentage"])
    return frame.astype({"event": "string", "track": "string", "participants": "int64", "percentage": "float64"})


@dataclass(frozen=True)
class DistributionReport:
    """Everything the Track distribution page shows, read in one transaction."""

    distribution: pd.DataFrame
    seating: pd.DataFrame
    table_mix: pd.DataFrame
    comparison: pd.DataFrame


def distribution_report(session: Session, event_id: UUID) -> DistributionReport:
    """The page's four tables in one read (one transaction, six statements): the page once opened
    four transactions for them, each with its own tenant set-up."""
    organization_id = session.execute(text("SELECT organization_id FROM events WHERE id = :event_id"),
                                      {"event_id": event_id}).scalar()
    comparison = (organisation_comparison(session, organization_id) if organization_id is not None
                  else organisation_comparison(session, UUID(int=0)))
    return DistributionReport(track_distribution(session, event_id), seating_by_track(session, event_id),
                              table_track_mix(session, event_id), comparison)


def _chart_text(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Track and event names as Plotly shows them: Plotly reads ``<a href>``, ``<b>``, ``<br>`` … in
    labels, legends and hovers as markup, so a track named ``<a href="https://…">`` would become a
    link. Escaped, Plotly shows the characters as typed."""
    return frame.assign(**{column: frame[column].map(lambda v: v if pd.isna(v) else html.escape(str(v), quote=False))
                           for column in columns})


# The look of "plotly_white", written out: naming the template made plotly load its template
# collection (a quarter of a second in a fresh process), and plotly.express cost 150-250 ms per
# figure on top of a 0.4-1 s import. Built with graph_objects, the page's four figures take ~0.1 s.
_WHITE = {"layout": {"paper_bgcolor": "white", "plot_bgcolor": "white",
                     "xaxis": {"gridcolor": "#EBF0F8", "zerolinecolor": "#EBF0F8", "automargin": True},
                     "yaxis": {"gridcolor": "#EBF0F8", "zerolinecolor": "#EBF0F8", "automargin": True}}}


def _figure(data: list[dict], title: str, font_size: int, **layout: object) -> go.Figure:
    return go.Figure({"data": data, "layout": {
        "template": _WHITE, "font": {"size": font_size},
        "title": {"text": title, "font": {"size": font_size + 4}},
        "legend": {"font": {"size": font_size}, "title": {"text": ""}},
        "margin": {"l": 10, "r": 10, "t": 60, "b": 10}, **layout}})


def distribution_figure(frame: pd.DataFrame, font_size: int = 16) -> go.Figure:
    frame = _chart_text(frame, "track")
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(frame))]
    bars = {"type": "bar", "x": list(frame["track"]), "y": [int(v) for v in frame["participants"]],
            "text": [f"{p:.1f} %" for p in frame["percentage"]], "textposition": "outside", "cliponaxis": False,
            "marker": {"color": colours}, "hovertemplate": "%{x}: %{y} participants<extra></extra>"}
    return _figure([bars], "Participants per track", font_size, showlegend=False,
                   xaxis={"title": {"text": "Track"}}, yaxis={"title": {"text": "Participants"}})


def seating_figure(frame: pd.DataFrame, font_size: int = 16) -> go.Figure:
    frame = _chart_text(frame, "track")
    data = [{"type": "bar", "name": status, "x": list(frame["track"]), "y": [int(v) for v in frame[status]],
             "text": [int(v) for v in frame[status]], "marker": {"color": colour}}
            for status, colour in (("seated", PALETTE[2]), ("unseated", PALETTE[3]))]
    return _figure(data, "Seated and unseated per track", font_size, barmode="stack",
                   xaxis={"title": {"text": "Track"}}, yaxis={"title": {"text": "Participants"}})


def table_mix_figure(frame: pd.DataFrame, font_size: int = 16) -> go.Figure:
    frame = _chart_text(frame, "track")
    grid = frame.pivot_table(index="track", columns="table", values="participants", fill_value=0, aggfunc="sum")
    heat = {"type": "heatmap", "z": grid.to_numpy().tolist(), "x": [str(c) for c in grid.columns],
            "y": list(grid.index), "colorscale": "Blues", "colorbar": {"title": {"text": "People"}},
            "hovertemplate": "Table %{x}, %{y}: %{z} people<extra></extra>"}
    if grid.size <= 600:  # numbers in the cells help up to a few hundred cells; beyond that they are noise
        heat["texttemplate"] = "%{z}"
    return _figure([heat], "Track mix of every table", font_size,
                   xaxis={"title": {"text": "Table"}, "type": "category", "tickangle": 0},
                   yaxis={"title": {"text": "Track"}})


def comparison_figure(frame: pd.DataFrame, font_size: int = 16) -> go.Figure:
    frame = _chart_text(frame, "track", "event")
    data = [{"type": "bar", "name": str(event), "x": list(rows["track"]), "y": [float(v) for v in rows["percentage"]],
             "customdata": [int(v) for v in rows["participants"]], "marker": {"color": PALETTE[i % len(PALETTE)]},
             "hovertemplate": "%{x}: %{y:.1f} % (%{customdata} participants)<extra>" + str(event) + "</extra>"}
            for i, (event, rows) in enumerate(frame.groupby("event", sort=False))]
    return _figure(data, "Track share across the organisation's events", font_size, barmode="group",
                   xaxis={"title": {"text": "Track"}}, yaxis={"title": {"text": "% of participants"}})
