"""What organisers may type as a name, an e-mail or other short text: one check used by every
form and import that takes one (the CSV import, event details, tracks, table labels, rule notes).

Refused: control characters (NUL … U+001F, U+007F … U+009F), format characters of Unicode
category Cf (zero-width space U+200B, the bidirectional overrides and isolates U+202A–U+202E and
U+2066–U+2069 that make a name read backwards, the byte-order mark U+FEFF, soft hyphens,
invisible operators …), line and paragraph separators, private-use, surrogate and unassigned
code points. They are invisible in every list, let two different people look the same, or reorder
what a colleague reads; the organiser is told which character and where, and nothing is stored.

Decision: nothing is stripped silently, with one exception that is not stripped either but
accepted: the zero-width non-joiner and joiner (U+200C, U+200D) between two visible characters of
a word, where Persian, Indic scripts and emoji sequences need them. At the edges of a word, or in
an e-mail address, they are refused like the rest. Ordinary whitespace (tab, line breaks) is the
callers' business: names collapse it to single spaces.
"""

from __future__ import annotations

import unicodedata

from eventflow.errors import InputError

_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})
_JOINERS = frozenset({"\u200c", "\u200d"})
_WHITESPACE_CONTROLS = frozenset("\t\n\r")


class TextProblem(InputError):
    """The text holds characters organisers must not type; the message names them."""


def _describe(character: str) -> str:
    name = unicodedata.name(character, "")
    return f"U+{ord(character):04X}" + (f" {name.lower()}" if name else "")


def hidden_characters(value: str, *, joiners_in_words: bool = True) -> list[str]:
    """The refused characters of ``value``, each once, described as ``U+202E right-to-left override``."""
    found: dict[str, None] = {}
    for index, character in enumerate(value):
        if character in _WHITESPACE_CONTROLS:
            continue
        if character in _JOINERS and joiners_in_words:
            before = value[index - 1] if index else ""
            after = value[index + 1] if index + 1 < len(value) else ""
            if _visible(before) and _visible(after):
                continue
            found.setdefault(_describe(character))
        elif unicodedata.category(character) in _REFUSED_CATEGORIES or character in _JOINERS:
            found.setdefault(_describe(character))
    return list(found)


def _visible(character: str) -> bool:
    return bool(character) and not character.isspace() and unicodedata.category(character) not in _REFUSED_CATEGORIES \
        and character not in _JOINERS


def problem(value: str | None, what: str, *, email: bool = False) -> str | None:
    """Why ``value`` (a ``what``: "name", "e-mail", "track name" …) is refused, or ``None``."""
    if not value:
        return None
    hidden = hidden_characters(value, joiners_in_words=not email)
    if not hidden:
        return None
    shown = ", ".join(hidden[:3]) + (f" and {len(hidden) - 3} more" if len(hidden) > 3 else "")
    return f"{what} contains invisible or control characters ({shown}); retype it without them"


def check(value: str | None, what: str, *, email: bool = False,
          error: type[ValueError] = TextProblem) -> str | None:
    """``value`` unchanged when it may be stored, else ``error`` (the caller's input error, so its
    page shows it like any other) with the reason."""
    reason = problem(value, what, email=email)
    if reason:
        raise error(reason[0].upper() + reason[1:] + ".")
    return value
