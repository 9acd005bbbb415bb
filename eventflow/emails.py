"""E-mail addresses in the one form they are stored and compared in (see :mod:`eventflow.auth`)."""

from __future__ import annotations

import re
import unicodedata

from eventflow import text_rules

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EMAIL_MAX = 320


def canonical_email(address: str) -> str:
    """The one form addresses are stored and compared in: trimmed, NFKC, case-folded."""
    return unicodedata.normalize("NFKC", address.strip()).casefold()


def _ascii_lower(value: str) -> str:
    return value.translate({code: code + 32 for code in range(ord("A"), ord("Z") + 1)})


def is_plain_email(address: str) -> bool:
    """True when canonicalising changes nothing but ASCII letter case (no look-alike folding)."""
    trimmed = address.strip()
    return canonical_email(trimmed) == _ascii_lower(trimmed)


def email_problem(address: str) -> str | None:
    """Why ``address`` cannot be used as an organiser's e-mail, or ``None``."""
    trimmed = (address or "").strip()
    if not trimmed:
        return "Enter an e-mail address."
    if len(trimmed) > EMAIL_MAX:
        return f"An e-mail address may be at most {EMAIL_MAX} characters."
    hidden = text_rules.problem(trimmed, "the e-mail address", email=True)
    if hidden:
        return hidden[0].upper() + hidden[1:] + "."
    if not EMAIL_PATTERN.match(trimmed):
        return f"“{trimmed}” is not an e-mail address (name@example.org)."
    if not is_plain_email(trimmed):
        return ("The e-mail address contains characters that look like others (for example a Kelvin sign "
                "instead of the letter K). Type it with plain letters.")
    return None
