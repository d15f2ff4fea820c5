"""``copydesk check --executor ray``: per-document checks on a Ray cluster.

The optional extra ``copydesk[ray]`` installs Ray; without it ``--executor ray`` is a
one-line error (exit 2). Ray is imported only when the flag asks for it, so a plain
install never pays for it.

How a run is spread:

* the documents still to check (after the incremental cache) become a Ray Dataset
  (``ray.data.from_items``), one row per document, pickled; the enabled per-document
  checks travel once per task as ``map_batches`` arguments, not once per row;
* ``map_batches`` runs the core's per-document step on each batch and returns the
  findings (pickled) with the seconds each check took; rows come back tagged with
  their position, so findings keep document order and the report is the same as the
  local runner's;
* corpus checks and shared analyses run on the driver (their indexes must fit in its
  memory), as with the local runner; ``corpus.map`` calls made by analyses are spread
  over Ray too. For the reuse analysis that is the per-document MinHash features, the
  LSH band group-by (each band's buckets grouped in a task, eight bands at a time) and
  the exact verification of candidate pairs (a block of pairs and their texts per
  task); the driver keeps the signatures (504 bytes a document) and closes the
  near-duplicate clusters by union-find over the verified pairs.

``--ray-address ADDRESS`` (else ``ray: {address: ...}`` in the config, else
``$RAY_ADDRESS``) joins a running cluster, whose nodes must have copydesk installed;
with none, a local Ray with 2 CPUs is started for the run and shut down after it. A
Ray already initialised in the process (a test fixture, a notebook) is used as it is.
``executor: ray`` in the config runs on Ray without the flag; ``--executor local``
overrides it for one run.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import pickle
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

from copydesk import (
    Check,
    Corpus,
    UsageError,
    hookimpl,
    plan_document_checks,
    run_corpus_checks,
    run_document_work,
    store_document_results,
)

#: rows per ``map_batches`` call: large enough to amortise the task overhead, small
#: enough that a 2-CPU cluster gets several batches per block
BATCH_SIZE = 64
#: documents per Dataset block (Ray's unit of parallelism and of object-store transfer)
ROWS_PER_BLOCK = 2000
INSTALL_HINT = "--executor ray needs Ray, which is not installed: pip install 'copydesk[ray]'"


# ------------------------------------------------------------------------ flags


@hookimpl
def copydesk_add_arguments(parser):
    group = parser.add_argument_group("scale-out")
    group.add_argument("--executor", choices=["local", "ray"], default=None,
                       help="where per-document checks run: local (worker processes with --jobs) or ray "
                            "(a Ray cluster; pip install 'copydesk[ray]'); default: the config's "
                            "executor, else local")
    group.add_argument("--ray-address", metavar="ADDRESS", default=None,
                       help="Ray cluster to join with --executor ray (default: the config's ray.address, "
                            "else $RAY_ADDRESS, else a local Ray with 2 CPUs started for the run)")


@hookimpl
def copydesk_register_settings():
    # top-level keys of copydesk.yaml, validated with the rest of the config
    return {
        "executor": {
            "enum": ["local", "ray"],
            "description": "Where per-document checks run: local (worker processes, --jobs) or ray "
                           "(pip install 'copydesk[ray]'). --executor overrides it.",
        },
        "ray": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "address": {
                    "type": "string", "minLength": 1,
                    "description": "The Ray cluster to join (ray.init's address, e.g. ray://head:10001 or auto); "
                                   "--ray-address overrides it, and it overrides $RAY_ADDRESS.",
                },
            },
            "description": "Settings of the Ray executor.",
        },
    }


def _wants_ray(config: Any) -> bool:
    """``--executor`` when given, else the config's ``executor``, else local."""
    chosen = getattr(getattr(config, "args", None), "executor", None)
    if chosen is None:
        chosen = config.raw.get("executor", "local")
    return chosen == "ray"


def ray_address(config: Any) -> str | None:
    """``--ray-address`` when given, else the config's ``ray.address`` (``connect`` falls
    back on ``$RAY_ADDRESS``)."""
    flag = getattr(getattr(config, "args", None), "ray_address", None)
    if flag:
        return flag
    return (config.raw.get("ray") or {}).get("address") or None


def import_ray() -> Any:
    """The ``ray`` module, or a one-line usage error saying how to install it."""
    try:
        import ray
        import ray.data  # noqa: F401 - the Data library comes with copydesk[ray] (ray[data])
    except ImportError:
        raise UsageError(INSTALL_HINT) from None
    return ray


@hookimpl
def copydesk_configure(config):
    # fail before the corpus is read, not after
    if _wants_ray(config):
        import_ray()


# ------------------------------------------------------------------ Ray set-up


@dataclasses.dataclass
class RayConnection:
    ray: Any
    started_here: bool

    def close(self) -> None:
        if self.started_here:
            self.ray.shutdown()


def connect(address: str | None) -> RayConnection:
    """Join ``address`` (or ``$RAY_ADDRESS``), or start a quiet local 2-CPU Ray."""
    ray = import_ray()
    if ray.is_initialized():
        return RayConnection(ray, started_here=False)
    address = address or os.environ.get("RAY_ADDRESS") or None
    quiet = {"logging_level": logging.ERROR, "log_to_driver": False, "include_dashboard": False}
    try:
        if address:
            ray.init(address=address, **quiet)
        else:
            ray.init(num_cpus=2, **quiet)
    except (ConnectionError, ValueError, RuntimeError) as exc:
        where = f"the Ray cluster at {address!r}" if address else "a local Ray"
        raise UsageError(f"--executor ray: cannot start or join {where}: {exc}") from None
    _quiet_data(ray)
    return RayConnection(ray, started_here=True)


def _quiet_data(ray: Any) -> None:
    context = ray.data.DataContext.get_current()
    for name, value in (("enable_progress_bars", False), ("print_on_execution_start", False),
                        ("verbose_stats_logs", False)):
        if hasattr(context, name):
            setattr(context, name, value)
    # Ray Data logs a failed task with its traceback; the run re-raises it as one line
    logging.getLogger("ray").setLevel(logging.ERROR)
    logging.getLogger("ray.data").setLevel(logging.CRITICAL)


def ship_local_plugins(ray: Any, checks: Sequence[Check]) -> None:
    """Send the code of checks whose modules workers cannot import (local ``.py`` plugins)
    by value, so that they unpickle on any node."""
    for check in checks:
        module = sys.modules.get(type(check).__module__)
        if module is not None and not _installed(module):
            ray.cloudpickle.register_pickle_by_value(module)


def _installed(module: Any) -> bool:
    """Whether every node can import ``module`` by name: copydesk itself and installed
    packages. Anything else (a local plugin file, loaded under a made-up name; a module
    found through the driver's own sys.path) is not on the workers' path."""
    name = module.__name__
    if name == "copydesk" or name.startswith("copydesk."):
        return True
    path = getattr(module, "__file__", None)
    if path is None:  # built-in
        return True
    return any(part in ("site-packages", "dist-packages") for part in Path(path).parts)


# ------------------------------------------------------- work done on the workers


def _check_batch(batch: dict[str, Any], checks: Sequence[Check]) -> dict[str, Any]:
    """Per-document checks on one batch of rows (runs in a Ray worker)."""
    by_code = {check.code: check for check in checks}

    def one(payload: bytes) -> Any:
        document, codes = pickle.loads(payload)
        return run_document_work(([by_code[c] for c in codes], document))

    return {"position": batch["position"], "result": [_outcome(one, payload) for payload in batch["work"]]}


def _map_batch(batch: dict[str, Any], func: Callable[[Any], Any]) -> dict[str, Any]:
    """``func`` on each pickled item of a batch (runs in a Ray worker)."""
    return {"position": batch["position"],
            "result": [_outcome(lambda payload: func(pickle.loads(payload)), payload) for payload in batch["item"]]}


class _Raised:
    """An exception raised in a worker, carried back as a result: Ray Data would wrap it
    in its own exceptions and lose the type (and a check crash's one-line message)."""

    def __init__(self, exc: BaseException):
        try:
            pickle.dumps(exc)
            self.exc = exc
        except Exception:  # noqa: BLE001 - an exception that does not pickle
            self.exc = RuntimeError(f"{type(exc).__name__}: {exc}")


def _outcome(func: Callable[[Any], Any], payload: Any) -> bytes:
    try:
        return pickle.dumps(func(payload))
    except Exception as exc:  # noqa: BLE001 - re-raised on the driver, in document order
        return pickle.dumps(_Raised(exc))


def _ordered_results(ray: Any, rows: list[dict[str, Any]], batch_func: Callable, **kwargs: Any) -> list:
    """``map_batches(batch_func)`` over ``rows``; the results unpickled, in the rows' order.
    The first item (in order) that raised re-raises its exception here."""
    if not rows:
        return []
    blocks = max(1, min(len(rows), max(4, len(rows) // ROWS_PER_BLOCK)))
    dataset = ray.data.from_items(rows, override_num_blocks=blocks)
    mapped = dataset.map_batches(batch_func, fn_kwargs=kwargs, batch_size=BATCH_SIZE, batch_format="numpy")
    try:
        out = mapped.take_all()
    except Exception as exc:  # noqa: BLE001 - Ray itself failed (a worker died, out of memory)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise RuntimeError(f"the Ray executor failed: {type(exc).__name__}: {first}") from exc
    out.sort(key=lambda row: int(row["position"]))
    if len(out) != len(rows):
        raise RuntimeError(f"the Ray executor returned {len(out)} results for {len(rows)} items")
    results = [pickle.loads(row["result"]) for row in out]
    for result in results:
        if isinstance(result, _Raised):
            raise result.exc
    return results


def ray_mapper(ray: Any) -> Callable[[Callable, Sequence], list]:
    """A ``corpus.map`` that spreads the items over Ray (for analyses)."""

    def mapper(func: Callable, items: Sequence) -> list:
        rows = [{"position": i, "item": pickle.dumps(item)} for i, item in enumerate(items)]
        return _ordered_results(ray, rows, _map_batch, func=func)

    return mapper


# ------------------------------------------------------------------------ runner


def run_document_checks_on_ray(ray: Any, corpus: Corpus, checks: Sequence[Check], session: Any) -> list:
    """Findings of the per-document checks, cache first, the rest on Ray."""
    findings, work = plan_document_checks(corpus, checks)
    rows = [{"position": i, "work": pickle.dumps((doc, [c.code for c in todo]))} for i, (todo, doc) in enumerate(work)]
    results = _ordered_results(ray, rows, _check_batch, checks=list(checks))
    store_document_results(corpus, work, results)
    for doc_findings, seconds in results:
        findings.extend(doc_findings)
        for code, spent in seconds.items():
            session.check_seconds[code] = session.check_seconds.get(code, 0.0) + spent
    if session.progress:
        session.progress("documents", len(work), len(work))
    return findings


@hookimpl(tryfirst=True)
def copydesk_run_checks(session):
    """The run on Ray when ``--executor ray``; None otherwise, so the core runner runs."""
    if not _wants_ray(session.config):
        return None
    connection = connect(ray_address(session.config))
    try:
        ray = connection.ray
        ship_local_plugins(ray, session.checks)
        old = session.corpus
        # the same documents and cache, with corpus.map spread over Ray for the analyses
        session.corpus = Corpus(old.documents, session.registry.analyses, session.config.analysis_options(),
                                ray_mapper(ray), old.cache, refit_after=old.refit_after)
        document_checks = [c for c in session.checks if c.scope() == "document"]
        corpus_checks = [c for c in session.checks if c.scope() == "corpus"]
        findings = run_document_checks_on_ray(ray, session.corpus, document_checks, session) if document_checks else []
        # corpus checks on the driver, exactly as the core runs them (check_seconds is shared)
        findings.extend(run_corpus_checks(session, corpus_checks))
        return findings
    finally:
        connection.close()
