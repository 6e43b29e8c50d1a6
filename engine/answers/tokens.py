"""Text to tokens: the first two of the parser's three steps (parser.py has the third).

`tokenize` maps Unicode operators, superscripts (x² is x^(2)) and aliases (σ, π, √, ŷ) to one
ASCII token stream; `resolve_names` reads each name as the exercise declares it (its
subscripted spellings, or split into declared names: `xy` is x·y). Both bound what they take
(MAX_LENGTH characters, MAX_TOKENS tokens) and raise ParseError with a message for the learner.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bptutor.engine.answers.notation import (
    ALIASES,
    CONSTANTS,
    FUNCTIONS,
    OPERATOR_CHARS,
    SPACES,
    SUBSCRIPT_DIGITS,
    SUPERSCRIPTS,
)

__all__ = [
    "MAX_LENGTH",
    "MAX_TOKENS",
    "ParseError",
    "Token",
    "canonical_name",
    "resolve_names",
    "tokenize",
]

MAX_LENGTH = 2000  # characters of learner input
MAX_TOKENS = 1200


class ParseError(ValueError):
    """Unreadable learner input: `message` for the learner, `column` 1-based (or None)."""

    def __init__(self, message: str, column: int | None = None) -> None:
        self.message = message
        self.column = column
        super().__init__(f"{message}, at column {column}" if column else message)


def canonical_name(name: str) -> str:
    """The name the parser uses for a variable (ŷ is read as y_hat)."""
    return ALIASES.get(name, name)


@dataclass(frozen=True)
class Token:
    kind: str  # num name op ( ) [ ] , ; | end
    text: str
    col: int  # 1-based column of the first character in the learner's text
    space_before: bool = False  # whitespace before it: in an array, [1 -2] is two entries


# --- text to tokens -----------------------------------------------------------------------------

_NUM_RE = re.compile(r"(\d+\.?\d*|\.\d+)([eE][+-]?\d+(?![A-Za-z_\d]))?")


def _describe_char(ch: str) -> str:
    if ch == "\x00":
        return "a NUL character"
    if not ch.isprintable():
        return f"the control character U+{ord(ch):04X}"
    return f"“{ch}”"


def _ascii_digit(ch: str) -> bool:
    """0-9 only: "²".isdigit() is true too, and no number starts with it."""
    return ch.isascii() and ch.isdigit()


def _is_name_char(ch: str, first: bool) -> bool:
    if ch in SUPERSCRIPTS:
        return False
    if ch in "₀₁₂₃₄₅₆₇₈₉":
        return not first
    if ch in ALIASES:
        return True
    if ch == "_" or (ch.isalpha() and ch.isidentifier()):
        return True
    return not first and _ascii_digit(ch)


def _name_end(text: str, i: int) -> int:
    """The end of the name starting at i; an alias (σ, π, √, ŷ) is a name of its own."""
    j = i
    while j < len(text) and _is_name_char(text[j], j == i):
        if text[j] in ALIASES and j > i:
            break
        j += 1
        if text[j - 1] in ALIASES:
            break
    return j


def _superscript_tokens(run: str, col: int, space: bool) -> list[Token]:
    """A run of superscripts is an exponent: x² is x^(2), eʸ is e^(y), xⁿ⁻¹ is x^(n-1)."""
    plain = "".join(SUPERSCRIPTS[c] for c in run)
    try:
        inner = tokenize(plain)[:-1]  # one character each, so columns just shift
    except ParseError as exc:
        raise ParseError(exc.message, col + (exc.column or 1) - 1) from None
    if not inner or all(t.kind in "()" for t in inner):
        raise ParseError("a superscript needs something raised, like x² or eʸ", col)
    if inner[-1].kind == "op":
        last = run[inner[-1].col - 1]
        raise ParseError(f"the superscript ends after “{last}”: something is missing", col)
    out = [Token("op", "^", col, space), Token("(", "(", col)]
    out += [replace(t, col=col + t.col - 1) for t in inner]
    out.append(Token(")", ")", col + len(run) - 1))
    return out


def tokenize(text: str) -> list[Token]:
    """Split learner text into tokens, mapping Unicode operators and superscripts to ASCII; the
    last token is the end."""
    if len(text) > MAX_LENGTH:
        raise ParseError(f"the answer is too long ({len(text)} characters, at most {MAX_LENGTH})")
    tokens: list[Token] = []
    i, n = 0, len(text)
    space = False
    while i < n:
        if len(tokens) > MAX_TOKENS:  # a superscript alone makes up to 5 tokens: x² is ^ ( 2 )
            raise ParseError("the answer is too long")
        ch = text[i]
        col = i + 1
        if ch in SPACES:
            space = True
            i += 1
            continue
        if ch in SUPERSCRIPTS:
            j = i
            while j < n and text[j] in SUPERSCRIPTS:
                j += 1
            tokens.extend(_superscript_tokens(text[i:j], col, space))
            i, space = j, False
            continue
        if _ascii_digit(ch) or (ch == "." and _ascii_digit(text[i + 1 : i + 2])):
            m = _NUM_RE.match(text, i)
            assert m is not None
            tokens.append(Token("num", m.group(0), col, space))
            i, space = m.end(), False
            continue
        if _is_name_char(ch, True):
            j = _name_end(text, i)
            word = canonical_name(text[i:j])
            tokens.append(Token("name", unicodedata.normalize("NFC", word), col, space))
            i, space = j, False
            continue
        if ch == "*" and text.startswith("**", i):
            tokens.append(Token("op", "^", col, space))
            i, space = i + 2, False
            continue
        c = OPERATOR_CHARS.get(ch, ch)
        if c in "+-*/^":
            tokens.append(Token("op", c, col, space))
        elif c in "()[],;|":
            tokens.append(Token(c, c, col, space))
        elif c == "{" or c == "}":
            tokens.append(Token("(" if c == "{" else ")", c, col, space))
        else:
            raise ParseError(f"{_describe_char(ch)} cannot be used here", col)
        i, space = i + 1, False
    if len(tokens) > MAX_TOKENS:
        raise ParseError("the answer is too long")
    tokens.append(Token("end", "", n + 1, space))
    return tokens


# --- names as the exercise declares them --------------------------------------------------------


def _spelling(name: str) -> str:
    """What the spellings of one name share: y1, y_1 and y₁ are all "y1", W1_23 and W1₂₃
    "W123"."""
    return name.translate(SUBSCRIPT_DIGITS).replace("_", "")


def _spellings(variables: Sequence[str]) -> dict[str, str]:
    """Each declared name by its spelling, when no other declared name shares it."""
    by_spelling: dict[str, list[str]] = {}
    for v in variables:
        by_spelling.setdefault(_spelling(v), []).append(v)
    return {k: names[0] for k, names in by_spelling.items() if len(names) == 1}


def _split_name(word: str, known: Sequence[str], digits: bool = True) -> list[str] | None:
    """Split an undeclared name into declared names ("xy" -> x, y); longest pieces first.
    `digits`: a run of digits may be a number of its own ("x2" -> x·2)."""
    if len(word) > 40:
        return None
    best: dict[int, list[str] | None] = {len(word): []}
    for start in range(len(word) - 1, -1, -1):
        best[start] = None
        for k in sorted(known, key=len, reverse=True):
            rest = best.get(start + len(k))
            if k and word.startswith(k, start) and rest is not None:
                best[start] = [k, *rest]
                break
        if best[start] is None and digits and word[start].isdigit():
            j = start
            while j < len(word) and word[j].isdigit():
                j += 1
            rest = best.get(j)
            if rest is not None:
                best[start] = [word[start:j], *rest]
    return best[0]


def resolve_names(tokens: list[Token], variables: tuple[str, ...] | None) -> list[Token]:
    """A declared name is read in any of its spellings (`y_1` and `y₁` for y1, `W1₂₃` for
    W1_23); other names the exercise does not declare are split into declared ones (`xy` is
    x·y, `ey` is e·y, `x2` is x·2) or refused with the list of names that are allowed."""
    if variables is None:  # any name is a variable: y₁ is y1
        return [
            replace(t, text=t.text.translate(SUBSCRIPT_DIGITS)) if t.kind == "name" else t
            for t in tokens
        ]
    known = [*variables, *FUNCTIONS, *CONSTANTS]
    spellings = _spellings(variables)
    out: list[Token] = []
    for t in tokens:
        if t.kind != "name" or t.text in known:
            out.append(t)
            continue
        declared = spellings.get(_spelling(t.text))
        if declared is not None:
            out.append(replace(t, text=declared))
            continue
        plain = t.text.translate(SUBSCRIPT_DIGITS)
        # a subscript is part of a name, never a number of its own: x₁ is not x·1
        pieces = _split_name(plain, known, digits=plain == t.text)
        if not pieces:
            if not variables:
                raise ParseError(
                    f"“{t.text}” is not known here: type a number (constants e and pi are fine)",
                    t.col,
                )
            allowed = ", ".join([*variables, "e", "pi"])
            raise ParseError(f"“{t.text}” is not known here (you can use {allowed})", t.col)
        col = t.col
        for k, piece in enumerate(pieces):
            kind = "num" if piece[0].isdigit() else "name"
            out.append(Token(kind, piece, col, t.space_before if k == 0 else False))
            col += len(piece)
    return out
