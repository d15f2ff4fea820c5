"""Budgets: corpus-level rates that fail the run when exceeded.

A finding here and there is normal in a large corpus; what matters to a desk is the
rate. A budget selects findings (by code, prefix, check name or category) and
limits how many documents have one (or how many findings there are) per document,
over the whole corpus or for each value of a metadata field::

    budgets:
      - select: DUP002          # code, prefix, name or category; or a list of them
        max_rate: 0.005         # per document (or max_per_100_documents: 0.5)
        count: documents        # documents with a finding (default) | findings
        per: source             # optional metadata field: the rate is checked per value
        min_documents: 20       # with per: smaller groups cannot fail the run

The measured rates go to the report's ``summary.budgets``; an exceeded budget sets
``summary.failed`` (exit 1 unless ``--exit-zero``) and prints one line on stderr.

Which findings count: those the report lists, and those left out only because
``--changed-since`` narrowed the report (a budget measures the corpus, not the
change). Findings a baseline, a per-file ignore or a record's ``copydesk_ignore``
suppressed do not count: they are accepted.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from copydesk import UsageError, hookimpl

STASH_KEY = "budgets"
NO_VALUE = "(none)"
#: reason prefix of findings suppressed by --changed-since (plugins/changed.py); they still count
OUT_OF_SCOPE_PREFIX = "changed-since "


@lru_cache(maxsize=1)
def budgets_schema() -> dict[str, Any]:
    return json.loads(resources.files("copydesk.plugins").joinpath("budgets.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Budget:
    label: str
    select: tuple[str, ...]
    max_rate: float
    count: str = "documents"
    per: str | None = None
    min_documents: int = 1

    @classmethod
    def from_config(cls, item: dict[str, Any]) -> "Budget":
        select = (item["select"],) if isinstance(item["select"], str) else tuple(item["select"])
        if "max_rate" in item:
            max_rate = float(item["max_rate"])
        else:
            max_rate = float(item["max_per_100_documents"]) / 100
        return cls(item.get("name") or ", ".join(select), select, max_rate, item.get("count", "documents"),
                   item.get("per"), int(item.get("min_documents", 1)))


def _dotted(path: list[Any]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def _position(source: Any, path: list[Any], key: bool = False) -> str:
    """``file:line:column`` of the YAML node at ``path`` (the nearest one that exists);
    with ``key``, of the last mapping key itself."""
    import yaml

    node = getattr(source, "node", None)
    for index, step in enumerate(path):
        if isinstance(node, yaml.MappingNode):
            found = next(((k, v) for k, v in node.value if k.value == step), None)
            if found is None:
                break
            node = found[0] if key and index == len(path) - 1 else found[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
        else:
            break
    if node is None:
        return source.path
    return f"{source.path}:{node.start_mark.line + 1}:{node.start_mark.column + 1}"


def budget_problems(source: Any) -> list[str]:
    """Schema problems of one configuration file's ``budgets``, one line each."""
    import difflib

    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    schema = {"type": "object", "properties": {"budgets": budgets_schema()}}
    problems = []
    for error in Draft202012Validator(schema).iter_errors(source.data):
        if error.validator in ("anyOf", "oneOf") and error.context:
            error = best_match(error.context)
        path = list(error.absolute_path)
        if error.validator == "additionalProperties":
            allowed = list(error.schema.get("properties", {}))
            for extra in sorted(set(error.instance) - set(allowed), key=str):
                close = difflib.get_close_matches(str(extra), allowed, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                problems.append(f"{_position(source, path + [extra], key=True)}: {_dotted(path)}: unknown key {str(extra)!r}{hint}")
            continue
        problems.append(f"{_position(source, path)}: {_dotted(path)}: {error.message}")
    for index, item in enumerate(source.data.get("budgets") or [] if isinstance(source.data, dict) else []):
        where = f"{_position(source, ['budgets', index])}: budgets[{index}]"
        if isinstance(item, dict) and ("max_rate" in item) == ("max_per_100_documents" in item):
            problems.append(f"{where}: give exactly one of max_rate and max_per_100_documents")
        if isinstance(item, dict) and "min_documents" in item and "per" not in item:
            problems.append(f"{where}: min_documents needs per (a metadata field)")
    return problems


def read_budgets(config: Any) -> list[Budget]:
    """Validated budgets of the configuration (``budgets:``); problems name file:line:column."""
    problems = [problem for source in config.sources for problem in budget_problems(source)]
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise UsageError(f"{problems[0]}{more}")
    return [Budget.from_config(item) for item in config.raw.get("budgets") or []]


def _matches(selector: str, cls: Any, registry: Any) -> bool:
    """Whether a selector names a check, as ``select:`` does: code, code prefix, name, old
    code, or (for budgets) its category."""
    upper = selector.upper()
    return (upper in ("ALL", cls.code) or selector in (cls.name, cls.category)
            or registry.aliases.get(upper) == cls.code
            or (cls.code.startswith(upper) and upper[:1].isalpha() and selector.isalnum()))


def selected_codes(budget: Budget, registry: Any) -> set[str]:
    return {code for code, cls in registry.checks.items() if any(_matches(s, cls, registry) for s in budget.select)}


def selector_problems(budgets: list[Budget], registry: Any) -> list[str]:
    import difflib

    checks = list(registry.checks.values())
    known = sorted({c.code for c in checks} | {c.name for c in checks} | {c.category for c in checks})
    problems = []
    for index, budget in enumerate(budgets):
        for selector in budget.select:
            if not any(_matches(selector, cls, registry) for cls in checks):
                close = difflib.get_close_matches(selector, known, n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]!r}?" if close else "; `copydesk checks` lists codes, names and categories"
                problems.append(f"budgets[{index}].select: {selector!r} names no check code, prefix, name or category{hint}")
    return problems


def measure(budget: Budget, codes: set[str], findings: list[dict[str, Any]], groups: dict[str, str],
            sizes: Counter[str]) -> dict[str, Any]:
    """One budget's measured rates (whole corpus, and per group when ``per`` is set)."""
    matched = [f for f in findings if f["code"] in codes]
    if budget.count == "documents":
        per_group = Counter(groups.get(doc, NO_VALUE) for doc in {f["document"] for f in matched})
        total = len({f["document"] for f in matched})
    else:
        per_group = Counter(groups.get(f["document"], NO_VALUE) for f in matched)
        total = len(matched)
    documents = sum(sizes.values())
    result: dict[str, Any] = {
        "name": budget.label,
        "select": list(budget.select),
        "count": budget.count,
        "max_rate": budget.max_rate,
        "per": budget.per,
        "documents": documents,
        "counted": total,
        "rate": round(total / documents, 6) if documents else 0.0,
    }
    if budget.per is None:
        result["exceeded"] = bool(documents) and total / documents > budget.max_rate
        return result
    rows = []
    for value in sorted(set(sizes) | set(per_group)):
        size = sizes.get(value, 0)
        rate = per_group[value] / size if size else 0.0
        checked = size >= budget.min_documents
        rows.append({"value": value, "documents": size, "counted": per_group[value], "rate": round(rate, 6),
                     "checked": checked, "exceeded": checked and rate > budget.max_rate})
    result["groups"] = rows
    result["exceeded"] = any(row["exceeded"] for row in rows)
    return result


def group_of(value: Any) -> str:
    if value is None:
        return NO_VALUE
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)


def per_100(rate: float) -> str:
    return f"{rate * 100:.2f} per 100 documents"


def exceeded_lines(result: dict[str, Any]) -> list[str]:
    allowed = per_100(result["max_rate"])
    rows = [row for row in result.get("groups", []) if row["exceeded"]] if result["per"] else [result]
    lines = []
    for row in rows:
        where = f" for {result['per']}={row['value']}" if result["per"] else ""
        n, size = row["counted"], row["documents"]
        if result["count"] == "documents":
            measured = f"{n} of {size} documents {'has' if n == 1 else 'have'} a finding"
        else:
            measured = f"{n} finding{'s' * (n != 1)} in {size} document{'s' * (size != 1)}"
        lines.append(f"budget {result['name']!r} exceeded{where}: {measured} ({per_100(n / size)}); "
                     f"it allows {allowed}")
    return lines


# ---------------------------------------------------------------------------- hooks


@hookimpl
def copydesk_session_start(session):
    budgets = read_budgets(session.config)
    if not budgets:
        return
    problems = selector_problems(budgets, session.registry)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise UsageError(f"{session.config.path}: {problems[0]}{more}")
    session.stash[STASH_KEY] = {"budgets": budgets, "lines": []}
    session.register_plugin(BudgetsReport())


class BudgetsReport:
    """The budgets' measure of the report, registered for a run with budgets only: a
    ``copydesk_modify_report`` hook has the report's records decoded for it (kept_records.py)."""

    @hookimpl(trylast=True)
    def copydesk_modify_report(self, session, report):
        # trylast: after other plugins changed the report, measure what it finally says
        state = session.stash.get(STASH_KEY)
        if state is None:
            return
        measure_report(session, report, state)


def measure_report(session, report, state) -> None:
    """Each budget measured on the report's findings (and those suppressed as out of scope), in its summary."""
    counted = report["findings"] + [f for f in report.get("suppressed", [])
                                    if f.get("suppressed_by", "").startswith(OUT_OF_SCOPE_PREFIX)]
    ran = {row["code"] for row in report["run"]["checks"]}
    results = []
    sizes_by_field: dict[str | None, tuple[dict[str, str], Counter[str]]] = {}
    for budget in state["budgets"]:
        if budget.per not in sizes_by_field:
            groups: dict[str, str] = {}
            if budget.per is not None:
                groups = {doc.id: group_of(doc.metadata.get(budget.per)) for doc in session.corpus}
                sizes = Counter(groups.values())
            else:
                sizes = Counter({"": len(session.corpus)})
            sizes_by_field[budget.per] = (groups, sizes)
        groups, sizes = sizes_by_field[budget.per]
        codes = selected_codes(budget, session.registry)
        result = measure(budget, codes, counted, groups, sizes)
        # a budget on checks that did not run (--select) measures nothing: say so
        result["measured"] = bool(codes & ran)
        results.append(result)
        if result["exceeded"]:
            state["lines"] += exceeded_lines(result)
    report["summary"]["budgets"] = results
    if any(r["exceeded"] for r in results):
        report["summary"]["failed"] = True


@hookimpl
def copydesk_session_finish(session):
    state = session.stash.get(STASH_KEY)
    for line in (state or {}).get("lines", []):
        print(f"copydesk: {line}", file=sys.stderr)


@hookimpl
def copydesk_register_settings():
    # the top-level `budgets:` key of copydesk.yaml, validated with the rest of the config
    return {"budgets": budgets_schema()}
