"""Local mode serves this computer only, and says what it is (issue 9, item 1).

Local mode acts as an organiser for whoever reaches the port. Streamlit binds every interface
unless ``server.address`` is set, so the project's ``.streamlit/config.toml`` sets it to loopback,
and app.py refuses local mode when Streamlit's effective address is anything else. The browser
test in ``tests/browser/test_local_mode_in_browser.py`` shows the refusal on a real ``--server.address 0.0.0.0``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import psutil
import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from eventflow import ui
from eventflow.auth import claim_identity, is_loopback
from eventflow.config import Settings
from eventflow.demo import DEMO_OWNER_EMAIL
from eventflow.serve import start_app, stop_app

ROOT = Path(__file__).resolve().parent.parent


def _settings(database_url=None, local=None) -> Settings:
    return Settings(database_url, None, None, Path("/tmp/unused"), local, 5)


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_local_mode_runs_on_a_loopback_address(address: str) -> None:
    claim = claim_identity(_settings(), sign_in_configured=False, user=None, served_on=address)
    assert (claim.mode, claim.email, claim.local_mode_refused) == ("local", DEMO_OWNER_EMAIL, False)


@pytest.mark.parametrize("address", [None, "", "0.0.0.0", "::", "192.168.1.20", "eventflow.example.org"])
@pytest.mark.parametrize("database_url, local", [(None, None), ("postgresql://db/x", "me@x.test")])
def test_local_mode_is_refused_beyond_loopback(address, database_url, local) -> None:
    claim = claim_identity(_settings(database_url, local), sign_in_configured=False, user=None,
                           served_on=address)
    assert (claim.mode, claim.email, claim.local_mode_refused) == ("none", None, True)
    assert "Local mode is refused" in claim.reason and "--server.address 127.0.0.1" in claim.reason


def test_sign_in_does_not_depend_on_the_address() -> None:
    user = {"iss": "https://idp.example", "sub": "a", "email": "a@x.test", "email_verified": True}
    claim = claim_identity(_settings(), sign_in_configured=True, user=user, served_on="0.0.0.0")
    assert (claim.mode, claim.email) == ("sign-in", "a@x.test")


def test_the_project_config_serves_loopback_caps_uploads_and_hides_the_developer_menu() -> None:
    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert is_loopback(settings["server"]["address"])
    assert settings["server"]["maxUploadSize"] == 5  # MB, the participants import's own limit
    assert settings["client"]["toolbarMode"] == "viewer"


@pytest.fixture
def served_on(demo_database, open_app):
    """Run app.py through AppTest in local mode, with Streamlit's server.address set to the given one."""
    previous = config.get_option("server.address")
    ui._told_the_terminal.clear()

    def run(address: str) -> AppTest:
        config.set_option("server.address", address, where_defined="tests/test_local_mode.py")
        at = open_app(demo_database, DEMO_OWNER_EMAIL)
        assert not at.exception, [e.value for e in at.exception]
        return at

    yield run
    config.set_option("server.address", previous, where_defined="tests/test_local_mode.py")


def test_local_mode_refuses_to_run_when_served_on_every_interface(served_on, capfd) -> None:
    at = served_on("0.0.0.0")
    shown = " ".join(w.value for w in at.warning)
    assert "Local mode is refused" in shown and "every network interface" not in shown
    assert "0.0.0.0" in shown
    assert not at.selectbox, "no organisation or event is offered"
    assert "Local mode is refused" in capfd.readouterr().err


def test_local_mode_on_loopback_says_so_on_the_page_and_in_the_terminal(served_on, capfd) -> None:
    at = served_on("127.0.0.1")
    sidebar = " ".join(w.value for w in at.sidebar.warning)
    assert "Local mode" in sidebar and "this computer only" in sidebar
    assert "LOCAL MODE" in capfd.readouterr().err
    assert at.selectbox, "the demo owner's organisations are offered"


def test_streamlit_run_from_the_project_folder_listens_on_loopback_only(demo_database, tmp_path) -> None:
    # No --server.address: the project's .streamlit/config.toml decides.
    app = start_app(demo_database, DEMO_OWNER_EMAIL, tmp_path / "streamlit.log", address=None)
    try:
        port = int(app.url.rsplit(":", 1)[1])
        listening = [c.laddr.ip for c in psutil.Process(app.process.pid).net_connections("inet")
                     if c.status == psutil.CONN_LISTEN and c.laddr.port == port]
        assert listening and all(is_loopback(ip) for ip in listening), listening
    finally:
        stop_app(app)
