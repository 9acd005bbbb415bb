"""Event settings are declared once (eventflow/event_settings.py); the database's own promises
about them (type CHECKs, the opt-in default the import trigger applies) agree with the declaration."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from eventflow import errors, event_settings
from eventflow.event_settings import BY_KEY, SETTINGS
from tests.conftest import World


def test_defaults_apply_until_a_value_is_saved(world: World) -> None:
    a = world.a
    with world.database.tenant_session(a.manager) as session:
        assert event_settings.read_settings(session, a.event_id) == {s.key: s.default for s in SETTINGS}
        event_settings.save_settings(session, a.event_id, {"pin_manager_seats": False})
    with world.database.tenant_session(a.viewer) as session:
        values = event_settings.read_settings(session, a.event_id)
    assert values["pin_manager_seats"] is False
    assert values["vip_tables_reserved"] is BY_KEY["vip_tables_reserved"].default


def test_saving_refuses_unknown_keys_wrong_types_and_viewers(world: World) -> None:
    a = world.a
    with world.database.tenant_session(a.manager) as session:
        with pytest.raises(errors.InputError, match="not an event setting"):
            event_settings.save_settings(session, a.event_id, {"colour": True})
        with pytest.raises(errors.InputError, match="yes or no"):
            event_settings.save_settings(session, a.event_id, {"vip_tables_reserved": "no"})
    with world.database.tenant_session(a.viewer) as session, pytest.raises(errors.ViewOnly):
        event_settings.save_settings(session, a.event_id, {"vip_tables_reserved": False})
    with world.database.tenant_session(world.b.owner) as session, pytest.raises(errors.InputError):
        event_settings.read_settings(session, a.event_id)


def test_the_database_checks_every_declared_setting_and_declares_no_other(world: World) -> None:
    a = world.a
    with world.database.owner_connection() as conn:
        checks = conn.execute(text("SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                                   "WHERE conrelid = 'events'::regclass AND contype = 'c'")).scalars().all()
    checked = {key for definition in checks for key in re.findall(r"settings \? '(\w+)'", definition)}
    assert checked == set(BY_KEY)
    for setting in SETTINGS:
        with pytest.raises(DBAPIError) as refused, world.database.tenant_session(a.owner) as session:
            session.execute(text("UPDATE events SET settings = jsonb_build_object(CAST(:key AS text), 'yes') "
                                 "WHERE id = :event"), {"key": setting.key, "event": a.event_id})
        assert errors.sqlstate(refused.value) == "23514", setting.key


def test_the_import_trigger_applies_the_declared_opt_in_default(world: World) -> None:
    a = world.a
    with world.database.tenant_session(a.owner) as session:
        opted_in = session.execute(text(
            "INSERT INTO participants (event_id, full_name) VALUES (:event, 'No answer') RETURNING networking_opt_in"),
            {"event": a.event_id}).scalar_one()
    assert opted_in is BY_KEY["default_networking_opt_in"].default
