"""Track distribution from the track_statistics view."""

from __future__ import annotations

from sqlalchemy import text

from eventflow import statistics


def _choose(world, org, person, track):
    with world.database.tenant_session(org.owner) as session:
        session.execute(text("INSERT INTO participant_tracks (participant_id, track_id) VALUES (:p, :t)"),
                        {"p": org.participant_ids[person], "t": org.track_ids[track]})


def test_distribution_seating_and_mix(world):
    org = world.a  # tracks: Data, Cloud (active), Retired (inactive)
    for person, track in ((0, 0), (1, 0), (1, 1), (2, 1), (3, 2)):
        _choose(world, org, person, track)
    with world.database.tenant_session(org.owner) as session:
        session.execute(text("INSERT INTO table_assignments (event_id, participant_id, table_number) "
                             "VALUES (:e, :p, 2)"), {"e": org.event_id, "p": org.participant_ids[1]})
    with world.database.tenant_session(org.viewer) as session:
        distribution = statistics.track_distribution(session, org.event_id)
        seated = statistics.seating_by_track(session, org.event_id)
        mix = statistics.table_track_mix(session, org.event_id)
        comparison = statistics.organisation_comparison(session, org.id)
    # 3 people in active tracks; person 1 is in both, so shares add to more than 100.
    assert distribution.set_index("track").to_dict("index") == {
        "Data": {"participants": 2, "percentage": 66.67}, "Cloud": {"participants": 2, "percentage": 66.67}}
    assert seated.set_index("track").to_dict("index") == {
        "Data": {"seated": 1, "unseated": 1}, "Cloud": {"seated": 1, "unseated": 1}}
    assert len(mix) == 3 * 2 and mix.set_index(["table", "track"]).loc[(2, "Data"), "participants"] == 1
    assert mix["participants"].sum() == 2
    assert set(comparison["track"]) == {"Data", "Cloud"}
    for figure in (statistics.distribution_figure(distribution), statistics.seating_figure(seated),
                   statistics.table_mix_figure(mix), statistics.comparison_figure(comparison)):
        assert figure.layout.font.size >= 14


def test_other_organisations_statistics_are_invisible(world):
    _choose(world, world.a, 0, 0)
    with world.database.tenant_session(world.b.owner) as session:
        assert statistics.track_distribution(session, world.a.event_id).empty
        assert statistics.organisation_comparison(session, world.a.id).empty


def test_the_report_reads_the_page_in_one_transaction(world):
    _choose(world, world.a, 0, 0)
    with world.database.tenant_session(world.a.viewer) as session:
        report = statistics.distribution_report(session, world.a.event_id)
    assert list(report.distribution["track"]) == ["Data", "Cloud"] and set(report.comparison["track"]) == {
        "Data", "Cloud"}
    with world.database.tenant_session(world.b.owner) as session:  # another organisation: nothing
        other = statistics.distribution_report(session, world.a.event_id)
    assert other.distribution.empty and other.comparison.empty and other.table_mix.empty


def test_the_page_sends_a_fixed_handful_of_statements_in_one_transaction(demo_database, open_app):
    """Guard for the page's speed (issue 11: 4-5 s on a 150-person event): one transaction, the
    same statements whatever the event's size. Timings: python -m eventflow bench --distribution."""
    from eventflow.demo import DEMO_OWNER_EMAIL
    from tests.conftest import statements_of_page_run

    at = open_app(demo_database, DEMO_OWNER_EMAIL, timeout=60)
    sent = [statement for statement, _ in statements_of_page_run(demo_database, at,
                                                                  "pages/track_distribution.py")]
    assert sum("set_config('eventflow.organiser_id'" in s for s in sent) == 1, sent
    assert len(sent) <= 7, sent
    assert at.get("plotly_chart"), "the charts are drawn"
