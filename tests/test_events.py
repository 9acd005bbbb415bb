"""Events visible to an organiser, settings and tracks."""

from __future__ import annotations

import pytest

from eventflow import events


def test_only_own_events_are_visible(world):
    with world.database.tenant_session(world.a.viewer) as session:
        visible = events.visible_events(session)
    assert world.a.event_id in {e.id for e in visible} and world.b.event_id not in {e.id for e in visible}


def test_tracks_add_rename_deactivate(world):
    org = world.a
    with world.database.tenant_session(org.manager) as session:
        new = events.add_track(session, org.event_id, "  Green   Tech ")
        with pytest.raises(events.EventInputError, match="already has a track"):
            events.rename_track(session, org.event_id, new, "data")
        events.rename_track(session, org.event_id, new, "Climate")
        events.set_track_active(session, org.event_id, org.track_ids[0], False)
        tracks = {t.name: t.is_active for t in events.list_tracks(session, org.event_id)}
    assert tracks == {"Climate": True, "Cloud": True, "Data": False, "Retired": False}


def test_settings_and_viewer_refusal(world):
    org = world.a
    with world.database.tenant_session(org.owner) as session:
        events.set_default_networking_opt_in(session, org.event_id, True)
        with pytest.raises(events.EventInputError, match="end before"):
            events.update_event_details(session, org.event_id, "X", __import__("datetime").date(2026, 5, 2),
                                        __import__("datetime").date(2026, 5, 1), None)
    with world.database.tenant_session(org.viewer) as session:
        assert events.event_settings(session, org.event_id).default_networking_opt_in is True
        with pytest.raises(events.EventInputError, match="only view"):
            events.set_default_networking_opt_in(session, org.event_id, False)
        with pytest.raises(events.EventInputError, match="only view"):
            events.add_track(session, org.event_id, "Sneaky")
