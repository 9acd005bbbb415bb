"""Members and invitations: owners only, the last owner stays, nothing leaks from other
organisations, and every change is in the history with who made it."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from eventflow import members
from eventflow.errors import InputError


def _address() -> str:
    return f"guest.{uuid.uuid4().hex[:8]}@example.test"


def test_owner_invites_changes_and_withdraws(world):
    address = _address()
    with world.database.tenant_session(world.a.owner) as s:
        message = members.invite(s, world.a.id, f"  {address.upper()} ", "viewer")
        assert address in message and "next time they sign in" in message
        (invitation,) = members.list_invitations(s, world.a.id)
        assert (invitation.email, invitation.role, invitation.invited_by_name) == (address, "viewer", "Alpha owner")
        with pytest.raises(InputError, match="already invited as viewer"):
            members.invite(s, world.a.id, address, "manager")
        members.change_invitation_role(s, world.a.id, invitation.id, "manager")
        members.withdraw_invitation(s, world.a.id, invitation.id)
        assert members.list_invitations(s, world.a.id) == []
        history = members.membership_history(s, world.a.id)
    assert [(h.action, h.old_role, h.new_role, h.who) for h in history[:3]] == [
        ("invitation withdrawn", "manager", None, "Alpha owner"),
        ("invitation changed", "viewer", "manager", "Alpha owner"),
        ("invited", None, "viewer", "Alpha owner"),
    ]


def test_inviting_reveals_nothing_about_other_organisations(world):
    # B's manager has an account; A's owner invites that address: the same answer as for anyone.
    with world.database.owner_connection() as conn:
        b_manager = conn.execute(text("SELECT email, display_name FROM organisers WHERE id = :id"),
                                 {"id": world.b.manager}).one()
    with world.database.tenant_session(world.a.owner) as s:
        known = members.invite(s, world.a.id, b_manager.email, "viewer")
        unknown_address = _address()
        unknown = members.invite(s, world.a.id, unknown_address, "viewer")
        assert known.replace(b_manager.email, "X") == unknown.replace(unknown_address, "X")
        assert b_manager.display_name not in known
        listed = members.list_invitations(s, world.a.id)
        assert {i.email for i in listed} == {b_manager.email, unknown_address}
        # The app role sees no organiser outside its organisations.
        assert s.execute(text("SELECT count(*) FROM organisers WHERE id = :id"), {"id": world.b.manager}).scalar() == 0


def test_a_member_is_refused_as_a_duplicate_only_within_the_organisation(world):
    with world.database.owner_connection() as conn:
        viewer_email = conn.execute(text("SELECT email FROM organisers WHERE id = :id"), {"id": world.a.viewer}).scalar()
    with world.database.tenant_session(world.a.owner) as s, pytest.raises(InputError, match="already a member"):
        members.invite(s, world.a.id, viewer_email, "manager")


@pytest.mark.parametrize("bad, words", [
    ("", "Enter an e-mail"), ("not-an-address", "not an e-mail"), ("a@b", "not an e-mail"),
    ("\u212aelly@x.test", "look like others"), ("x\u200b@y.test", "invisible"), ("a" * 320 + "@x.test", "at most 320"),
])
def test_bad_addresses_are_refused_and_nothing_is_written(world, bad, words):
    with world.database.tenant_session(world.a.owner) as s:
        with pytest.raises(InputError, match=words):
            members.invite(s, world.a.id, bad, "viewer")
        with pytest.raises(InputError, match="not a role"):
            members.invite(s, world.a.id, _address(), "admin")
        assert members.list_invitations(s, world.a.id) == []


def test_managers_and_viewers_cannot_invite_or_change_members(world):
    for who in (world.a.manager, world.a.viewer):
        with world.database.tenant_session(who) as s:
            with pytest.raises(InputError, match="Only owners"):
                members.invite(s, world.a.id, _address(), "owner")
            with pytest.raises(InputError, match="only owners"):
                members.change_role(s, world.a.id, world.a.viewer, "owner")
            with pytest.raises(InputError, match="only owners"):
                members.remove_member(s, world.a.id, world.a.viewer)


def test_nobody_inserts_a_membership_directly(world):
    # Closed in the database: an owner cannot add any organiser id (e.g. someone from B) to A.
    with pytest.raises(DBAPIError) as refused, world.database.tenant_session(world.a.owner) as s:
        s.execute(text("INSERT INTO memberships (organization_id, organiser_id, role) VALUES (:a, :b, 'viewer')"),
                  {"a": world.a.id, "b": world.b.manager})
    assert refused.value.orig.sqlstate == "42501"
    with pytest.raises(DBAPIError) as moved, world.database.tenant_session(world.a.owner) as s:
        s.execute(text("UPDATE memberships SET organiser_id = :b WHERE organiser_id = :v"),
                  {"b": world.b.manager, "v": world.a.viewer})
    assert moved.value.orig.sqlstate == "42501"


def test_the_last_owner_can_be_neither_removed_nor_demoted(world):
    with world.database.tenant_session(world.a.owner) as s:
        with pytest.raises(InputError, match="at least one owner"):
            members.change_role(s, world.a.id, world.a.owner, "manager")
        with pytest.raises(InputError, match="at least one owner"):
            members.remove_member(s, world.a.id, world.a.owner)
        # With a second owner, the first may step down.
        members.change_role(s, world.a.id, world.a.manager, "owner")
        members.change_role(s, world.a.id, world.a.owner, "viewer")
    with world.database.tenant_session(world.a.manager) as s:
        members.remove_member(s, world.a.id, world.a.owner)
        roles = {m.organiser_id: m.role for m in members.list_members(s, world.a.id)}
        history = members.membership_history(s, world.a.id)
    assert roles == {world.a.manager: "owner", world.a.viewer: "viewer"}
    assert [(h.action, h.old_role, h.new_role, h.changed_by_name) for h in history[:3]] == [
        ("removed", "viewer", None, "Alpha manager"),
        ("role changed", "owner", "viewer", "Alpha owner"),
        ("role changed", "manager", "owner", "Alpha owner"),
    ]
    # Also for an administrator: the database refuses, whoever asks.
    with pytest.raises(DBAPIError) as refused, world.database.owner_connection() as conn:
        conn.execute(text("DELETE FROM memberships WHERE organization_id = :a AND role = 'owner'"), {"a": world.a.id})
    assert refused.value.orig.sqlstate == "EF001"


def test_deleting_an_organisation_takes_its_members_and_history(world):
    with world.database.owner_connection() as conn:
        conn.execute(text("DELETE FROM organizations WHERE id = :a"), {"a": world.a.id})
        left = conn.execute(text("SELECT (SELECT count(*) FROM memberships WHERE organization_id = :a) + "
                                 "(SELECT count(*) FROM membership_history WHERE organization_id = :a)"),
                            {"a": world.a.id}).scalar()
    assert left == 0


def test_the_history_is_read_only_for_the_app(world):
    with pytest.raises(DBAPIError) as refused, world.database.tenant_session(world.a.owner) as s:
        s.execute(text("DELETE FROM membership_history WHERE organization_id = :a"), {"a": world.a.id})
    assert refused.value.orig.sqlstate == "42501"


def test_the_command_line_uses_the_same_functions_as_an_administrator(world):
    address = _address()
    with world.database.owner_connection() as conn:
        members.invite(conn, world.a.id, address, "manager")
        assert members.remove_by_email(conn, world.a.id, address) == f"withdrew the invitation for {address}"
        history = members.membership_history(conn, world.a.id)
    assert (history[0].action, history[0].via, history[0].who) == (
        "invitation withdrawn", "administrator", "an administrator (command line)")


def test_owners_invite_door_staff_and_give_a_member_the_door_role(world):
    address = _address()
    with world.database.tenant_session(world.a.owner) as s:
        assert members.invite(s, world.a.id, address, "door").startswith(f"Invited {address} as door")
        members.change_role(s, world.a.id, world.a.viewer, "door")
    with world.database.tenant_session(world.a.owner) as s:
        roles = {m.organiser_id: m.role for m in members.list_members(s, world.a.id)}
        pending = [i.role for i in members.list_invitations(s, world.a.id) if i.email == address]
    assert roles[world.a.viewer] == "door" and pending == ["door"]
    assert "door staff" in members.ROLE_DESCRIPTIONS["door"]
