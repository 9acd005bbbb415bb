"""Streamlit glue shared by ``app.py`` and the pages: the database, cached reads, who is signed in,
the sidebar pickers, and messages that survive a rerun.

The only ``eventflow`` module that imports Streamlit; everything it calls is plain and tested
without it.
"""

from __future__ import annotations

import functools
import importlib
import re
import sys
import threading
import tomllib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import psycopg
import streamlit as st
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session
from streamlit.errors import StreamlitAPIException

from eventflow import auth, db, events, profiling, setup, shared_cache
from eventflow.config import Settings
from eventflow.embedded import EmbeddedServerError
from eventflow.errors import OrganiserError

READ_TTL_SECONDS = 10  # short: other organisers' saves show up on the next rerun after this at most
_CONTEXT_KEY = "eventflow_context"
_FLASH_KEY = "eventflow_flash"
RESUME_PAGE_KEY = "eventflow_resume_page"
APP_SCRIPT = str(Path(__file__).resolve().parent.parent / "app.py")

T = TypeVar("T")


@st.cache_resource(show_spinner="Preparing the database…")
def _prepared() -> bool:
    setup.prepare()
    # The seating engine's kernels compile at their first use (several seconds after an install):
    # do it now, in the background, rather than inside an organiser's first auto-seat time limit.
    threading.Thread(target=_warm_up_engine, name="engine-warm-up", daemon=True).start()
    return True


def _warm_up_engine() -> None:
    from eventflow import engine

    engine.warm_up()


def database() -> db.Database:
    try:
        _prepared()
    except EmbeddedServerError as error:  # e.g. a data folder the server's account cannot enter
        st.error(str(error), icon=":material/folder_off:")
        st.stop()
    return db.default_database()


@contextmanager
def tenant_session(organiser_id: UUID | None) -> Iterator[Session]:
    """The only way pages reach the database: as the signed-in organiser, through row-level security."""
    with database().tenant_session(organiser_id) as session:
        yield session


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False, max_entries=500)
def _cached_read(reader: str, organiser_id: UUID | None, args: tuple, kwargs: tuple = ()) -> Any:
    module_name, _, name = reader.rpartition(".")
    if not module_name.startswith("eventflow."):
        raise ValueError(f"not an eventflow reader: {reader}")
    function = getattr(importlib.import_module(module_name), name)
    with tenant_session(organiser_id) as session:
        return function(session, *args, **dict(kwargs))


def read(function: Callable[..., T], organiser_id: UUID | None, *args: Any, **kwargs: Any) -> T:
    """``function(session, *args, **kwargs)`` as ``organiser_id``, cached for a few seconds per
    organiser and arguments."""
    with _database_reachable(wrote=False):
        return _cached_read(f"{function.__module__}.{function.__qualname__}", organiser_id, tuple(args),
                            tuple(sorted(kwargs.items())))


def read_fresh(function: Callable[..., T], organiser_id: UUID | None, *args: Any, **kwargs: Any) -> T:
    """``function(session, *args, **kwargs)`` as ``organiser_id``, not cached: for arguments that
    cannot be a cache key (e.g. the plan on screen) or a read-back right after one's own save."""
    with _database_reachable(wrote=False), tenant_session(organiser_id) as session:
        return function(session, *args, **kwargs)


def write(function: Callable[..., T], organiser_id: UUID | None, *args: Any, **kwargs: Any) -> T:
    """``function(session, ...)`` in one transaction as ``organiser_id``, run again after a deadlock
    or serialization failure; every cached read is dropped after."""
    try:
        with _database_reachable(wrote=True):
            return database().run_transaction(organiser_id, lambda session: function(session, *args, **kwargs))
    finally:
        clear_reads()


BUSY_MESSAGE = "The server is very busy right now. Please try again in a minute."
UNREACHABLE_MESSAGE = ("The database cannot be reached right now (it may be restarting). "
                       "Please try again in a moment.")


@contextmanager
def _database_reachable(*, wrote: bool) -> Iterator[None]:
    """A lost or refused connection, or no free connection in the pool, becomes a message for the
    organiser and ends this run of the page; the next run (a click, a reload) tries again. Never a
    stack trace."""
    try:
        yield
    except PoolTimeout:
        # Every pooled connection stayed in use for the pool's whole timeout (QueuePool limit reached).
        st.error(BUSY_MESSAGE + (" This was not saved." if wrote else ""), icon=":material/hourglass_top:")
        st.stop()
    except (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError) as error:
        # psycopg's own classes too: the migrations on first start connect without SQLAlchemy.
        # psycopg counts deadlocks and serialization failures as operational errors too; they
        # reach here only after run_transaction's retries, and the server is reachable then.
        if db.is_transient(error):
            st.error("The database is very busy: this was not saved. Please try again." if wrote
                     else "The database is very busy right now. Please try again in a moment.")
        else:
            st.error(UNREACHABLE_MESSAGE + (" Your last change may not have been saved: reload to check."
                                            if wrote else ""), icon=":material/cloud_off:")
        st.stop()


def fragment(function: Callable[..., None]) -> Callable[..., None]:
    """``st.fragment``: a widget inside reruns only ``function``. Its reruns are profiled like page
    runs (``eventflow/profiling.py``, with ``EVENTFLOW_PROFILE`` set)."""

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> None:
        with profiling.profiled("fragment"):
            function(*args, **kwargs)

    return st.fragment(run)


def rerun_fragment() -> None:
    """Rerun only the fragment being run; a full run when this is not a fragment's own rerun
    (Streamlit refuses ``scope="fragment"`` then)."""
    try:
        st.rerun(scope="fragment")
    except StreamlitAPIException:
        st.rerun()


def clear_reads() -> None:
    _cached_read.clear()
    _resolve.clear()  # a new organisation or membership shows at once


# ------------------------------------------------------------------------------------ messages

# ---------------------------------------------------------------------------- organisers' text

# The characters that start a Markdown construct anywhere in a line: code, emphasis, links and
# images (and Streamlit's ``:color[...]`` directives), HTML and autolinks, tables, maths, strike-
# through, entities, escapes. CommonMark lets each be backslash-escaped. Ordinary punctuation
# (. , : ; ' " ( ) ? -) is left alone so a plain sentence is passed through unchanged.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]<>#|$~&{}])")
# ... and those that start one only at the start of a line: a list item, a heading underline.
_LINE_START = re.compile(r"^(\s*)(?:([-+=])|(\d+)([.)]))")
# GFM's autolinks are found in the text after parsing, where escapes are already gone: a word
# joiner (U+2060, invisible, never a line break) after ``http``/``www`` and before ``@`` breaks them.
_AUTOLINK_START = re.compile(r"(?i)(https?|www|mailto|xmpp)(?=[:.])")
# Streamlit turns ``:smile:`` into an emoji and ``:material/lock:`` into an icon, also after
# escaping; a word joiner after the opening colon keeps them as typed.
_SHORTCODE_START = re.compile(r":(?=[A-Za-z+][\w+/-]*:)")
WORD_JOINER = "\u2060"


def plain(value: object) -> str:
    """Text an organiser or guest typed, made safe to place inside a Markdown string (titles,
    captions, messages, widget labels): it shows exactly as typed, never as a link, an image,
    emphasis or HTML. Line breaks become spaces (they could start a list or a heading), and an
    invisible word joiner keeps ``https://…``, ``www.…`` and e-mail addresses from becoming links.

    Every piece of organiser-supplied text that reaches ``st.markdown``, ``st.caption``,
    ``st.title``, ``st.info``/``success``/``warning``/``error``, ``st.metric``, a label or a
    tooltip goes through here; fixed wording around it may still use Markdown.
    """
    text = " ".join(str(value).splitlines())
    text = _AUTOLINK_START.sub(lambda m: m.group(1) + WORD_JOINER, text).replace("@", WORD_JOINER + "@")
    text = _SHORTCODE_START.sub(":" + WORD_JOINER, text)
    text = _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)
    return _LINE_START.sub(_escape_line_start, text, count=1)


def _escape_line_start(match: re.Match) -> str:
    indent, mark, number, after_number = match.groups()
    return indent + ("\\" + mark if mark else number + "\\" + after_number)


# ------------------------------------------------------------------------------------ messages

def flash(message: str, kind: str = "success") -> None:
    """Show ``message`` on the next run (it would be lost in the rerun that follows a save).

    The message is shown as plain text (see :func:`plain`): flashes often name people or tracks."""
    st.session_state.setdefault(_FLASH_KEY, []).append((kind, message))


def show_flash() -> None:
    for kind, message in st.session_state.pop(_FLASH_KEY, []):
        {"success": st.success, "warning": st.warning, "error": st.error}.get(kind, st.info)(plain(message))


# ------------------------------------------------------------------------------------- identity

def _stop_with(message: str) -> None:
    st.error(message, icon=":material/lock:")
    st.stop()


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    return value


def _sign_in_configured() -> bool:
    """Whether ``[auth]`` is configured. A secrets file that exists but cannot be read, or an
    ``[auth]`` that is incomplete, stops the app with the reason: it never falls back to local mode
    (which would open a shared database to whoever reaches the port)."""
    for location in (Path(p) for p in st.get_option("secrets.files")):
        if not location.is_file():
            continue
        try:
            tomllib.loads(location.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            _stop_with(f"The secrets file {location} cannot be read ({error}). Sign-in cannot start, and the "
                       "dashboard does not open without it. Fix or remove the file, then reload.")
    try:
        configured = "auth" in st.secrets
    except FileNotFoundError:
        return False
    except Exception as error:  # Streamlit's own parse errors
        _stop_with(f"The secrets cannot be read ({error}). Fix .streamlit/secrets.toml, then reload.")
    if not configured:
        return False
    problems = auth.auth_config_problems(_plain(st.secrets["auth"]))
    if problems:
        _stop_with("Sign-in is configured but incomplete: " + "; ".join(problems) + ". Complete [auth] in "
                   ".streamlit/secrets.toml (see the README, “Sign-in”), then restart the dashboard.")
    return True


def sign_in_available() -> bool:
    return _sign_in_configured()


def sign_in_settings() -> auth.SignInSettings:
    try:
        return auth.SignInSettings.from_environment()
    except auth.SignInConfigurationError as error:
        _stop_with(str(error))
        raise


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def _resolve(claim: tuple, signup: str, unverified: bool) -> auth.Identity:
    # Plain arguments: the cache key must tell every identity apart.
    return auth.resolve_identity(database(), auth.IdentityClaim(*claim), signup=signup,  # type: ignore[arg-type]
                                 unverified_email_accepted=unverified)


def current_identity() -> auth.Identity:
    configured = _sign_in_configured()
    settings = sign_in_settings()
    user = st.user.to_dict() if configured and st.user.is_logged_in else None
    claim = auth.claim_identity(Settings.from_environment(), sign_in_configured=configured, user=user,
                                accept_unverified_email=settings.accept_unverified_email,
                                served_on=st.get_option("server.address"))
    _tell_the_terminal(claim)
    if claim.mode == "sign-in" and not (claim.issuer and claim.subject):
        return auth.Identity("sign-in", claim.shown_email, None, None, (), claim.reason)
    with _database_reachable(wrote=False):
        return _resolve(astuple(claim), settings.signup, settings.accept_unverified_email)


_told_the_terminal: set[str] = set()


def _tell_the_terminal(claim: auth.IdentityClaim) -> None:
    """Say once per server process, where the person who started it looks, what local mode is."""
    if claim.local_mode_refused:
        message = "EventFlow Seating: " + claim.reason
    elif claim.mode == "local":
        message = (f"EventFlow Seating is in LOCAL MODE: whoever opens http://{st.get_option('server.address')}:"
                   f"{st.get_option('server.port')} on this computer acts as {claim.email} without signing in. "
                   "It is served to this computer only. To serve others, configure sign-in (docs/security.md).")
    else:
        return
    if message not in _told_the_terminal:
        _told_the_terminal.add(message)
        print(f"\n{'!' * 100}\n{message}\n{'!' * 100}\n", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class PageContext:
    """What every page works on: who, in which organisation, with which role, on which event."""

    identity: auth.Identity
    membership: auth.Membership | None
    event: events.EventSummary | None

    @property
    def organiser_id(self) -> UUID | None:
        return self.identity.organiser_id

    @property
    def event_id(self) -> UUID | None:
        return self.event.id if self.event else None

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership else None

    @property
    def can_edit(self) -> bool:
        # Decides only what the interface offers; row-level security refuses viewers' writes anyway,
        # and the database refuses every change inside an archived event.
        return bool(self.membership and self.membership.can_edit and not (self.event and self.event.archived))

    @property
    def ready(self) -> bool:
        return self.event is not None

    # The page's scope, bound once: every read and write of a page runs as this organiser on this
    # event, so pages never pass (organiser, event) by hand.

    def read(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``function(session, event_id, *args, **kwargs)`` as this organiser (cached briefly)."""
        return read(function, self.organiser_id, self.event_id, *args, **kwargs)

    def read_shared(self, *functions: Callable[..., Any]) -> list[Any]:
        """``[function(session, event_id) for function in functions]``, shared with every organiser
        of this organisation in this role until the event changes (``eventflow/shared_cache.py``):
        one transaction, one marker look-up, the readers only on a miss."""
        if self.membership is None or self.event_id is None:
            raise RuntimeError("read_shared needs an organisation and an event (ui.require_event)")
        with _database_reachable(wrote=False), tenant_session(self.organiser_id) as session:
            return shared_cache.event_reads(session, self.membership.organization_id, self.event_id,
                                            self.membership.role, functions)

    def share(self, marker: Any, values: Mapping[Callable[..., Any], Any]) -> None:
        """After a committed write: hand colleagues (and the next run) what ``read_shared`` would
        now return for these readers, instead of everyone reading it again."""
        if self.membership is not None and self.event_id is not None and marker is not None:
            url = database().app_engine.url.render_as_string(hide_password=True)
            shared_cache.share(url, self.membership.organization_id, self.event_id, self.membership.role, marker,
                               values)

    def write(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``function(session, event_id, *args, **kwargs)`` in one transaction as this organiser."""
        return write(function, self.organiser_id, self.event_id, *args, **kwargs)

    def act(self, function: Callable[..., T], *args: Any, done: str | Callable[[T], str],
            then: Callable[[T], None] | None = None, **kwargs: Any) -> None:
        """A button's write: on success run ``then`` (e.g. forget a stale preview), flash ``done``
        and rerun; a refusal (:class:`~eventflow.errors.OrganiserError`) is shown as text, and the
        page goes on."""
        try:
            result = self.write(function, *args, **kwargs)
        except OrganiserError as error:
            st.error(plain(error))
            return
        if then is not None:
            then(result)
        flash(done(result) if callable(done) else done)
        st.rerun()


def distinct_labels(items: list[tuple[str, str]]) -> dict[str, str]:
    """{key: label} with a short id added where labels repeat: a picker must tell two
    "Acme Events" apart (Streamlit matches a choice by its label)."""
    counts: dict[str, int] = {}
    for _, label in items:
        counts[label] = counts.get(label, 0) + 1
    return {key: label if counts[label] == 1 else f"{label} · #{key[:8]}" for key, label in items}


def sidebar() -> PageContext:
    """Who is signed in, and the organisation and event pickers (only what the organiser can see)."""
    identity = current_identity()
    bar = st.sidebar
    bar.markdown("### :material/event_seat: EventFlow Seating")
    if identity.mode == "local" and identity.known:
        bar.warning(f"**Local mode** — acting as {plain(identity.display_name)} ({plain(identity.email)}) "
                    "without sign-in. Served to this computer only; anyone using it acts as this organiser.",
                    icon=":material/lock_open:")
    elif identity.known:
        bar.caption("Signed in as")
        bar.text(f"{identity.display_name}\n{identity.email}")
    elif identity.mode == "sign-in" and identity.email:
        bar.caption("Signed in with")
        bar.text(identity.email)
    if identity.unverified_email_accepted:
        bar.warning("E-mail addresses are accepted without the provider's verification "
                    "(EVENTFLOW_ACCEPT_UNVERIFIED_EMAIL is set).", icon=":material/gpp_maybe:")
    if identity.mode == "sign-in" and _sign_in_configured():
        if st.user.is_logged_in:
            bar.button("Sign out", on_click=st.logout, key="sign_out", icon=":material/logout:")
        else:
            bar.button("Sign in", on_click=st.login, key="sign_in", type="primary", icon=":material/login:")

    membership = event = None
    if identity.memberships:
        by_id = {str(m.organization_id): m for m in identity.memberships}
        organisation_labels = distinct_labels([(key, f"{m.organization_name} · {m.role}") for key, m in by_id.items()])
        show_archived = bool(st.session_state.get("show_archived", False))
        every_event = read(events.visible_events, identity.organiser_id, include_archived=show_archived)
        _open_linked_event(every_event, by_id)
        if st.session_state.get("organisation_pick") not in by_id:
            st.session_state.pop("organisation_pick", None)
        chosen = bar.selectbox("Organisation", list(by_id), key="organisation_pick",
                               format_func=organisation_labels.__getitem__)
        membership = by_id[chosen]
        visible = [e for e in every_event if e.organization_id == membership.organization_id]
        if visible:
            events_by_id = {str(e.id): e for e in visible}
            event_labels = distinct_labels([(key, e.label) for key, e in events_by_id.items()])
            if st.session_state.get("event_pick") not in events_by_id:
                st.session_state.pop("event_pick", None)
            picked = bar.selectbox("Event", list(events_by_id), key="event_pick",
                                   format_func=event_labels.__getitem__)
            event = events_by_id[picked]
            if event.archived:
                bar.info("This event is archived: read-only until it is restored (Events page).",
                         icon=":material/inventory_2:")
        else:
            bar.info("This organisation has no current events. Create one on the Events page.")
        bar.toggle("Show archived events", key="show_archived")
        if membership.role == "door":
            bar.info("Door staff: you find guests and check them in (names and tables only).",
                     icon=":material/how_to_reg:")
        elif not membership.can_edit:
            bar.info("You can view this organisation's events; changes need a manager or owner.",
                     icon=":material/visibility:")
    context = PageContext(identity, membership, event)
    st.session_state[_CONTEXT_KEY] = context
    return context


OPEN_EVENT_KEY = "eventflow_open_event"  # a page sets it to open an event it just created


def _open_linked_event(every_event: list, organisations: dict) -> None:
    """A link with ``?event=<id>`` opens that event (when this organiser may see it), so organisers
    can bookmark or share an event; the pickers stay as chosen for the rest of the session. An event
    a page just created opens the same way."""
    wanted = st.session_state.pop(OPEN_EVENT_KEY, None)
    if not wanted:
        wanted = st.query_params.get("event")
        if not wanted or "event_pick" in st.session_state:
            return
    linked = next((e for e in every_event if str(e.id) == wanted), None)
    if linked is not None and str(linked.organization_id) in organisations:
        st.session_state["organisation_pick"] = str(linked.organization_id)
        st.session_state["event_pick"] = wanted


def context() -> PageContext:
    """The context ``app.py`` set up for this run."""
    found = st.session_state.get(_CONTEXT_KEY)
    if not isinstance(found, PageContext):
        # A page run without app.py first (Streamlit's first-session "pages folder" mode): note
        # the address asked for and go through app.py, which comes back to it (see app.py). The
        # query (``?event=<id>``) goes along: switch_page would otherwise clear it.
        st.session_state[RESUME_PAGE_KEY] = st.context.url
        st.switch_page(APP_SCRIPT, query_params=st.query_params.to_dict())
        raise AssertionError("unreachable: st.switch_page ends the run")
    return found


def require_event() -> PageContext:
    """The context, stopping the page with a clear message when there is no event to show."""
    found = context()
    if not found.ready:
        st.info(plain(found.identity.message) if found.identity.message else "Pick an event in the sidebar.")
        st.stop()
    return found
