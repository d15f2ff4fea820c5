"""Which checks run, and which findings are ignored where (``select``, ``ignore``,
``per_file_ignores``), with ruff's rule: the most specific selector wins.

A selector is ``ALL``, a code (``DUP002``), a code prefix (``DUP``, ``DUP00``), a
check name (``near-duplicate``) or an old code kept as an alias. Checks that are
off by default (opt-in) run only when selected by their exact code or name.
"""

from __future__ import annotations

import difflib
import fnmatch
from typing import Any, Iterable

EXACT = 1000  # specificity of an exact code or name


def specificity(selector: str, cls: Any, registry: Any) -> int | None:
    """How specifically ``selector`` names check ``cls`` (None: it does not)."""
    upper = selector.upper()
    if upper == "ALL":
        return 0
    if upper == cls.code or selector == cls.name or registry.aliases.get(upper) == cls.code:
        return EXACT
    if cls.code.startswith(upper) and upper[:1].isalpha() and selector.isalnum():
        return len(upper)
    return None


def selector_problem(selector: str, registry: Any) -> str | None:
    """Why ``selector`` matches no check, or None when it is fine."""
    if any(specificity(selector, cls, registry) is not None for cls in registry.checks.values()):
        return None
    candidates = sorted({c.code for c in registry.checks.values()} | {c.name for c in registry.checks.values()}
                        | {c.code.rstrip("0123456789") for c in registry.checks.values()})
    close = difflib.get_close_matches(selector.upper() if selector[:1].isalpha() and selector.isalnum() else selector,
                                      candidates, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else "; `copydesk checks` lists them"
    return f"unknown check selector {selector!r} (codes look like ATT001, prefixes like ATT{hint})"


def is_selected(cls: Any, select: Iterable[str], ignore: Iterable[str], registry: Any) -> bool:
    best_select = max((s for s in (specificity(x, cls, registry) for x in select) if s is not None), default=None)
    best_ignore = max((s for s in (specificity(x, cls, registry) for x in ignore) if s is not None), default=None)
    if best_select is None:
        return False
    if not cls.default_enabled and best_select < EXACT:
        return False
    if best_ignore is not None and best_ignore >= best_select:
        return False
    return True


def enabled_checks(registry: Any, select: Iterable[str], ignore: Iterable[str]) -> list[type]:
    select, ignore = list(select), list(ignore)
    return [cls for code, cls in sorted(registry.checks.items()) if is_selected(cls, select, ignore, registry)]


def matches_any(code: str, selectors: Iterable[str], registry: Any) -> bool:
    cls = registry.checks.get(code)
    if cls is None:
        return False
    return any(specificity(s, cls, registry) is not None for s in selectors)


def ignored_by_file(document: str, code: str, per_file: dict[str, list[str]], registry: Any) -> str | None:
    """The per_file_ignores glob that ignores ``code`` on ``document``, if any."""
    for glob, selectors in per_file.items():
        if fnmatch.fnmatchcase(document, glob) and matches_any(code, selectors, registry):
            return glob
    return None
