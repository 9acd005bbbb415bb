"""The safe-text helper every page uses for organisers' text (issue 9, item 4; the browser test
``tests/browser/test_hostile_text.py`` checks the rendered pages)."""

from __future__ import annotations

import re

import pytest

from eventflow.ui import WORD_JOINER, plain


def test_a_plain_sentence_is_unchanged():
    assert plain("Plan applied: 3 newly seated, 1 moved (table 4).") == "Plan applied: 3 newly seated, 1 moved (table 4)."


@pytest.mark.parametrize(("typed", "safe"), [
    ("[Reset your password](https://evil.example)", f"\\[Reset your password\\](https{WORD_JOINER}://evil.example)"),
    ("![](http://evil.example/x.gif)", f"!\\[\\](http{WORD_JOINER}://evil.example/x.gif)"),
    ("<img src=x onerror=alert(1)>", "\\<img src=x onerror=alert(1)\\>"),
    ("mallory@evil.example", f"mallory{WORD_JOINER}@evil.example"),
    ("www.evil.example", f"www{WORD_JOINER}.evil.example"),
    (":red[alarm] **bold** `code` $x$ ~~gone~~ a|b", "\\:red\\[alarm\\] \\*\\*bold\\*\\* \\`code\\` \\$x\\$ \\~\\~gone\\~\\~ a\\|b"
     .replace("\\:", ":")),
    ("- not a list", "\\- not a list"),
    ("1. not a list", "1\\. not a list"),
    ("# not a heading\nsecond line", "\\# not a heading second line"),
    ("back\\slash &lt;", "back\\\\slash \\&lt;"),
])
def test_markdown_in_organisers_text_is_escaped(typed, safe):
    assert plain(typed) == safe


@pytest.mark.parametrize("typed", [":material/lock: Anna", "Lars :smile: :thumbs_up: :+1:"])
def test_icon_and_emoji_shortcodes_stay_as_typed(typed):
    """Streamlit draws ``:material/…:`` and emoji shortcodes as icons even when escaped."""
    safe = plain(typed)
    assert re.search(r":[A-Za-z+][\w+/\\-]*:", safe) is None, safe
    assert safe.replace(WORD_JOINER, "").replace("\\", "") == typed


def test_times_and_ratios_keep_their_colons():
    assert plain("Doors 18:30, ratio 3:2") == "Doors 18:30, ratio 3:2"
