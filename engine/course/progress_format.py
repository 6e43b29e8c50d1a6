"""The progress record's format: what a stored value may be, how damage is recognised and
repaired, how attempts are capped, and how two versions of one record merge (two windows of one
learner). Plain functions over the JSON data; the file itself is progress_file.py."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "FORMAT_VERSION",
    "KEEP_FIRST",
    "KEEP_LAST",
    "Damaged",
    "add_variant",
    "bounded_int",
    "clean_text",
    "merge",
    "now_text",
    "repair_strings",
    "sane_int",
    "sane_seed",
    "time_key",
    "trim",
    "variants_of",
    "version_of",
]

FORMAT_VERSION = 1
KEEP_FIRST, KEEP_LAST = 5, 50
"""Attempts kept per step: the first few and the latest; the ones between are only counted."""
MAX_INT_DIGITS = 30
"""A longer integer in the file is damage (Python refuses to parse 4,300 digits anyway)."""
SEED_LIMIT = 2**63


def now_text() -> str:
    """UTC with microseconds: attempts are told apart (and merged) by their content and time."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def time_key(value: Any) -> float:
    """A stored time as seconds since the epoch (anything unreadable sorts first)."""
    if not isinstance(value, str) or len(value) > 40:
        return -math.inf
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return -math.inf
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """The text with lone surrogates (unwritable as UTF-8) replaced by U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


def sane_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def sane_seed(value: Any) -> bool:
    return sane_int(value) and -SEED_LIMIT < value < SEED_LIMIT


class Damaged(ValueError):
    """The file cannot be used as it is; the message says why (for the "moved aside" notice)."""


def bounded_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise Damaged(f"it holds a number with {digits} digits")
    return int(text)


def version_of(value: Any) -> int | None:
    """The format version a value means: 1, 1.0 and "1" all mean 1; None: not a version."""
    if sane_int(value):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*\d{1,6}(\.0*)?\s*", value):
        return int(float(value))
    return None


def repair_strings(data: Any) -> bool:
    """Replace lone surrogates in every string (keys too), in place; True if any was found.

    Iterative: the structure came from json.loads, but may still be deep.
    """
    found = False
    todo: list[Any] = [data]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            slots: Iterable[Any] = list(node)
        elif isinstance(node, list):
            slots = range(len(node))
        else:
            continue
        for key in slots:
            value = node[key]
            if isinstance(value, str):
                clean = clean_text(value)
                if clean != value:
                    node[key], found = clean, True
            elif isinstance(value, dict | list):
                todo.append(value)
            if isinstance(key, str) and clean_text(key) != key:  # a dict's key
                node[clean_text(key)] = node.pop(key)
                found = True
    return found


# --------------------------------------------------------------------------------- merging
def _attempt_key(attempt: dict[str, Any]) -> str:
    return json.dumps(attempt, sort_keys=True, ensure_ascii=True, default=str)


def trim(rec: dict[str, Any]) -> None:
    """Keep the first KEEP_FIRST and the last KEEP_LAST attempts; count the ones between."""
    attempts = rec.get("attempts")
    if not isinstance(attempts, list) or len(attempts) <= KEEP_FIRST + KEEP_LAST:
        return
    cut = attempts[KEEP_FIRST : len(attempts) - KEEP_LAST]
    dropped = rec.get("attempts_dropped")
    rec["attempts_dropped"] = (dropped if sane_int(dropped) and dropped > 0 else 0) + len(cut)
    times = [a.get("time") for a in cut if isinstance(a, dict)]
    latest = max(times, key=time_key, default=None)
    if time_key(latest) > time_key(rec.get("dropped_until")):
        rec["dropped_until"] = latest
    rec["attempts"] = attempts[:KEEP_FIRST] + attempts[-KEEP_LAST:]


def _merge_step(disk: dict[str, Any], mine: dict[str, Any]) -> dict[str, Any]:
    """Both records of one step as one: attempts united (each once), flags OR'ed, counts max."""
    out = {**disk, **mine}
    until = max(disk.get("dropped_until"), mine.get("dropped_until"), key=time_key)
    seen_keys: set[str] = set()
    attempts = []
    for source in (disk, mine):
        listed = source.get("attempts")
        for attempt in listed if isinstance(listed, list) else ():
            if not isinstance(attempt, dict):
                continue
            key = _attempt_key(attempt)
            if key not in seen_keys:
                seen_keys.add(key)
                attempts.append(attempt)
    attempts.sort(key=lambda a: time_key(a.get("time")))
    if until is not None:
        # an attempt one side already counted as dropped must not come back from the other
        bound = time_key(until)
        attempts = attempts[:KEEP_FIRST] + [
            a for a in attempts[KEEP_FIRST:] if time_key(a.get("time")) > bound
        ]
        out["dropped_until"] = until
    out["attempts"] = attempts
    dropped = [
        d for d in (disk.get("attempts_dropped"), mine.get("attempts_dropped")) if sane_int(d)
    ]
    if dropped:
        out["attempts_dropped"] = max(dropped)
    hints = [h for h in (disk.get("hints_used"), mine.get("hints_used")) if sane_int(h)]
    if hints:
        out["hints_used"] = max(hints)
    for flag in ("solved", "revealed", "seen"):
        if disk.get(flag) is True or mine.get(flag) is True:
            out[flag] = True
    seen_at = [s for s in (disk.get("seen_at"), mine.get("seen_at")) if isinstance(s, str)]
    if seen_at:  # the first opening, whichever window saw it
        out["seen_at"] = min(seen_at, key=time_key)
    variants = _merge_variants(disk.get("variants"), mine.get("variants"))
    if variants:
        out["variants"] = variants
    reviews = [r for r in (disk.get("review"), mine.get("review")) if isinstance(r, dict)]
    if reviews:  # the later state wins (each is stamped with its time)
        out["review"] = max(reversed(reviews), key=lambda r: time_key(r.get("time")))
    trim(out)
    return out


def variants_of(rec: dict[str, Any], which: str) -> frozenset[int]:
    """A step record's variants "tried" or "solved" (sane numbers only)."""
    table = rec.get("variants")
    listed = table.get(which) if isinstance(table, dict) else None
    if not isinstance(listed, list):
        return frozenset()
    return frozenset(v for v in listed if sane_int(v) and 0 <= v < 2**31)


def add_variant(rec: dict[str, Any], which: str, variant: int) -> bool:
    """Note a variant as tried or solved; False when it was noted already."""
    present = variants_of(rec, which)
    if variant in present:
        return False
    table = rec.get("variants")
    if not isinstance(table, dict):
        table = rec["variants"] = {}
    table[which] = sorted(present | {int(variant)})
    return True


def _merge_variants(a: Any, b: Any) -> dict[str, list[int]]:
    """Variants tried and solved by either window: the union of each list."""
    out: dict[str, list[int]] = {}
    for which in ("tried", "solved"):
        found: set[int] = set()
        for table in (a, b):
            listed = table.get(which) if isinstance(table, dict) else None
            if isinstance(listed, list):
                found.update(v for v in listed if sane_int(v) and 0 <= v < 2**31)
        if found:
            out[which] = sorted(found)
    return out


def _merge_tables_at(
    out: dict[str, Any],
    disk: dict[str, Any],
    mine: dict[str, Any],
    key: str,
    merge_value: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]],
) -> None:
    """out[key]: the tables of both sides under key, merged entry by entry with merge_value
    (an entry only one side has is kept); the file's table if only the file has one."""
    a, b = disk.get(key), mine.get(key)
    if isinstance(a, dict) and isinstance(b, dict):
        merged = {**a, **b}
        for k in a.keys() & b.keys():
            # equal sides (most steps, most saves) need no merge: comparing is ~100x cheaper
            if isinstance(a[k], dict) and isinstance(b[k], dict) and a[k] != b[k]:
                merged[k] = merge_value(a[k], b[k])
        out[key] = merged
    elif isinstance(a, dict):
        out[key] = a


def _merge_lesson(disk: dict[str, Any], mine: dict[str, Any]) -> dict[str, Any]:
    out = {**disk, **mine}
    _merge_tables_at(out, disk, mine, "steps", _merge_step)
    return out


def merge(disk: dict[str, Any], mine: dict[str, Any]) -> dict[str, Any]:
    """Two versions of one learner's record (the file and a window's memory) as one.

    Per step: attempts appended (each attempt once, by content and time, in time order),
    solved stays solved, revealed stays revealed, seen OR'ed, hints_used the larger, the
    variants tried and solved united, the later review state kept; the later
    `last` wins (by the time stored with it); the seed on disk wins, so every window draws the
    same numbers. Ids only one side knows are kept.
    """
    out = {**disk, **mine}
    out["version"] = FORMAT_VERSION
    out["seed"] = disk["seed"] if sane_seed(disk.get("seed")) else mine.get("seed")
    if disk.get("welcomed") is True or mine.get("welcomed") is True:
        out["welcomed"] = True
    lasts = [x for x in (disk.get("last"), mine.get("last")) if isinstance(x, dict)]
    if lasts:
        out["last"] = max(reversed(lasts), key=lambda x: time_key(x.get("time")))
    _merge_tables_at(out, disk, mine, "lessons", _merge_lesson)
    return out
