"""Safe text for the terminal: data never steers it.

Office codes, operator ids, file names, config values and error messages reach the console. Two things in them
must not act: Rich markup (``[/]`` or ``[link=…]`` in an office code made ``console.print`` raise, exit 3, or
restyle the summary) and control characters (``\\033[2J`` clears the screen, OSC sequences set the window title
or write hyperlinks, bidi overrides reorder what is shown). :func:`plain` removes the control characters, for
``click.echo``; :func:`safe` also escapes markup, for everything given to Rich.
"""

from __future__ import annotations

import re

# C0 (tab, line breaks and ESC included: a value is shown on one line), DEL, C1 (CSI 0x9b, OSC 0x9d …),
# and the Unicode format characters that reorder or hide text (bidi embeddings/overrides/isolates, LRM/RLM)
_UNESCAPED = "\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # what json.dumps leaves raw
_CONTROL = re.compile(f"[\x00-\x1f{_UNESCAPED}]")
_JSON_RAW = re.compile(f"[{_UNESCAPED}]")


def plain(text: object) -> str:
    """``text`` with every control character removed (a line break becomes a space)."""
    return _CONTROL.sub(lambda m: " " if m.group() in "\n\r\t" else "", str(text))


def safe(text: object) -> str:
    """``text`` for Rich: control characters removed and markup escaped, so it prints as written.

    Rich reads ``\\[`` as an escaped bracket: backslashes before a tag-like ``[x]`` are doubled and one is
    added (what ``rich.markup.escape`` does), before any other ``[`` one is added (which it does not do).
    Trailing backslashes are left as they are (they show as written at the end of a text or cell), so a call
    site never puts markup right after a ``safe()`` value."""
    return _BRACKET.sub(_escape_bracket, plain(text))


_BRACKET = re.compile(r"(\\*)\[")
_TAG = re.compile(r"\[[a-z#/@][^[]*?]")


def _escape_bracket(m: re.Match[str]) -> str:
    slashes = m.group(1)
    if _TAG.match(m.string, m.end() - 1):
        return slashes * 2 + "\\["
    return slashes + "\\[" if slashes else "["


def json_text(text: str) -> str:
    """JSON for the terminal: the control characters ``json.dumps`` leaves raw (DEL, C1, bidi) as ``\\uXXXX``
    escapes, so the values stay exactly what they were and nothing reaches the terminal as a control."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


__all__ = ["json_text", "plain", "safe"]
