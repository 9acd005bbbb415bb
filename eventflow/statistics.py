"""How participants are spread over tracks and tables — for the post-event review.

Figures come from the ``track_statistics`` view (active tracks only; percentages are of the
participants in at least one active track, so they may add up to more than 100). Each reader
returns a tidy ``pd.DataFrame`` (what the CSV download contains); the ``*_figure`` functions turn
one into a plotly figure sized for a projector as well as a laptop.
"""

from __future__ import annotations

import html
from uuid import UUID

import pandas as pd
import plotly.express as px
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
    tables = session.execute(text("SELECT table_number FROM seating_tables WHERE event_id = :event_id"),
                             params).scalars().all()
    tracks = session.execute(text("SELECT name FROM tracks WHERE event_id = :event_id AND is_active"),
                             params).scalars().all()
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


def _chart_text(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Track and event names as Plotly shows them: Plotly reads ``<a href>``, ``<b>``, ``<br>`` … in
    labels, legends and hovers as markup, so a track named ``<a href="https://…">`` would become a
    link. Escaped, Plotly shows the characters as typed."""
    return frame.assign(**{column: frame[column].map(lambda v: v if pd.isna(v) else html.escape(str(v), quote=False))
                           for column in columns})


def _style(figure: go.Figure, font_size: int) -> go.Figure:
    figure.update_layout(
        font={"size": font_size},
        title={"font": {"size": font_size + 4}},
        legend={"font": {"size": font_size}, "title": {"text": ""}},
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        template="plotly_white",
    )
    return figure


def distribution_figure(frame: pd.DataFrame, font_size: int = 16) -> go.Figure:
    frame = _chart_text(frame, "track")
    figure = px.bar(
        frame, x="track", y="participants", text=frame["percentage"].map(lambda p: f"{p:.1f} %"),
        color="track", color_discrete_sequence=PALETTE, title="Participants per track",
        labels={"track": "Track", "participants": "Participants"},
    )
    figure.update_traces(textposition="outside", cliponaxis=False)
    figure.update_layout(showlegend=False)
    return _style(figure, font_size)


def seating_figure(frame: pd.DataFrame, font_size: int = 16) -> go.Figure:
    frame = _chart_text(frame, "track")
    long = frame.melt(id_vars="track", value_vars=["seated", "unseated"], var_name="status", value_name="participants")
    figure = px.bar(
        long, x="track", y="participants", color="status", barmode="stack", text="participants",
        color_discrete_map={"seated": PALETTE[2], "unseated": PALETTE[3]}, title="Seated and unseated per track",
        labels={"track": "Track", "participants": "Participants", "status": ""},
    )
    return _style(figure, font_size)


def table_mix_figure(frame: pd.DataFrame, font_size: int = 16) -> go.Figure:
    frame = _chart_text(frame, "track")
    grid = frame.pivot_table(index="track", columns="table", values="participants", fill_value=0, aggfunc="sum")
    figure = px.imshow(
        # Numbers in the cells help up to a few hundred cells; beyond that they are noise and weight.
        grid, aspect="auto", color_continuous_scale="Blues", text_auto=grid.size <= 600,
        labels={"x": "Table", "y": "Track", "color": "People"}, title="Track mix of every table",
    )
    figure.update_xaxes(type="category", tickangle=0)
    return _style(figure, font_size)


def comparison_figure(frame: pd.DataFrame, font_size: int = 16) -> go.Figure:
    frame = _chart_text(frame, "track", "event")
    figure = px.bar(
        frame, x="track", y="percentage", color="event", barmode="group",
        color_discrete_sequence=PALETTE, title="Track share across the organisation's events",
        labels={"track": "Track", "percentage": "% of participants", "event": "Event"},
        hover_data=["participants"],
    )
    return _style(figure, font_size)
