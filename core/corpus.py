"""The corpus as checks see it, and shared corpus analyses.

Shared analyses work like pytest fixtures: a plugin registers an
:class:`Analysis` under a name (hook ``copydesk_register_analyses``); a check asks
for it with ``corpus.analysis("name")``; the first ask computes it, later asks in
the same run get the same object.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Iterable, Iterator, Mapping, Sequence, TypeVar

from .checks import NO_OPTIONS, with_defaults
from .errors import UsageError
from .model import Document

T = TypeVar("T")
R = TypeVar("R")


class Analysis:
    """A corpus-level computation shared by several checks, computed once per run.

    Subclasses set ``name`` (kebab-case), ``options_schema`` (configured under
    ``analyses: {name: {...}}`` in the config) and implement :meth:`compute`. The
    result may be any object; document what it holds in the class docstring, since
    other plugins read it.
    """

    name: ClassVar[str] = ""
    options_schema: ClassVar[Mapping[str, Any]] = NO_OPTIONS
    plugin: ClassVar[str] = ""

    def __init__(self, options: Mapping[str, Any] | None = None):
        self.options = with_defaults(self.options_schema, options or {})

    def compute(self, corpus: "Corpus") -> Any:
        raise NotImplementedError


class Corpus:
    """The loaded documents, sorted by id, with access to shared analyses."""

    def __init__(
        self,
        documents: Sequence[Document],
        analyses: Mapping[str, type[Analysis]] | None = None,
        analysis_options: Mapping[str, Mapping[str, Any]] | None = None,
        mapper: "Callable[[Callable[[T], R], Sequence[T]], list[R]] | None" = None,
        cache: Any = None,
        refit_after: float = 0.02,
    ):
        self.documents: tuple[Document, ...] = tuple(sorted(documents, key=lambda d: d.id))
        self._by_id = {doc.id: doc for doc in self.documents}
        self._analysis_classes = dict(analyses or {})
        self._analysis_options = dict(analysis_options or {})
        self._results: dict[str, Any] = {}
        self._computing: list[str] = []
        self._mapper = mapper
        #: the incremental cache (:class:`copydesk.cache.Cache`), or None with --no-cache.
        #: Analyses may keep per-document results in it, keyed by ``doc.sha256``.
        self.cache = cache
        #: Seconds spent in each analysis, for the report's timing split.
        self.analysis_seconds: dict[str, float] = {}
        #: share of documents that may change before fitted statistics are fitted again
        self.refit_after = refit_after
        self._generation: Generation | None = None

    def __len__(self) -> int:
        return len(self.documents)

    def __iter__(self) -> Iterator[Document]:
        return iter(self.documents)

    def __getitem__(self, doc_id: str) -> Document:
        return self._by_id[doc_id]

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._by_id

    def get(self, doc_id: str) -> Document | None:
        return self._by_id.get(doc_id)

    @property
    def analysis_names(self) -> list[str]:
        return sorted(self._analysis_classes)

    def analysis_computed(self, name: str) -> bool:
        """Whether the shared analysis ``name`` has been computed in this process."""
        return name in self._results

    def analysis(self, name: str) -> Any:
        """The shared analysis ``name``, computed on first request and cached."""
        if name in self._results:
            return self._results[name]
        if name not in self._analysis_classes:
            known = ", ".join(self.analysis_names) or "none"
            raise KeyError(f"no shared analysis named {name!r} (registered: {known})")
        if name in self._computing:
            chain = " -> ".join(self._computing + [name])
            raise RuntimeError(f"shared analyses depend on each other in a cycle: {chain}")
        self._computing.append(name)
        started = time.perf_counter()
        try:
            analysis = self._analysis_classes[name](self._analysis_options.get(name, {}))
            result = analysis.compute(self)
        finally:
            self._computing.pop()
        self.analysis_seconds[name] = time.perf_counter() - started
        self._results[name] = result
        return result

    def map(self, func: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """``[func(x) for x in items]``, spread over worker processes with ``--jobs``.

        ``func`` must be a picklable module-level function. Results keep the order
        of ``items``.
        """
        if self._mapper is None:
            return [func(item) for item in items]
        return self._mapper(func, items)


    def forked(self) -> None:
        """In a forked worker process (see :mod:`copydesk.corpus_workers`): ``map`` runs in
        this process (the other cores are busy with checks), and the cache gets its own connection."""
        self._mapper = None
        if self.cache is not None:
            self.cache.after_fork()

    def cache_namespace(self, name: str, func: Callable) -> str:
        """``name`` joined with a digest of ``func``'s code (its plugin folder), for keys of
        :attr:`cache` entries that ``func`` computes: editing the code never serves old values."""
        from .cache import code_version

        return f"{name}/{code_version(func)}"

    def per_document(self, namespace: str, func: Callable[[str], R], documents: Iterable[Document] | None = None) -> list[R]:
        """``func(document.text)`` for each document (default: all), in order, computed once per text.

        For the per-document features of corpus checks and analyses (term counts, signatures):
        values come from the incremental cache where the text and ``func``'s code are
        unchanged, the rest are computed through :meth:`map` (worker processes with
        ``--jobs``) and stored. ``func`` must be a picklable module-level function returning
        JSON values; every value, fresh or cached, is returned as JSON reads it back (dict
        keys sorted, tuples as lists), so a warm run sees exactly what a cold run saw.
        ``namespace`` names the feature and its format (``"top-term-counts/1"``): change it
        when the format changes.

        A call over half the corpus or more also keeps all its values in one entry, read
        back in one piece by the next such call (100,000 documents: an entry per document
        took about 1 s to read; see :func:`~copydesk.worth_rewriting` for when it is written
        again); documents that entry lacks are looked up one by one.
        """
        from .cache import code_version, worth_rewriting

        docs = list(self.documents) if documents is None else list(documents)
        version = code_version(func)
        keys = [_feature_key(version, d.sha256) for d in docs]
        whole = self.cache is not None and bool(docs) and 2 * len(docs) >= len(self.documents)
        stored = self._kept_values(namespace, version) if whole else None
        found = dict(stored) if stored is not None else {}
        wanted = {key for key in keys if key not in found}
        if self.cache is not None and wanted:
            found.update(self.cache.get_many(namespace, wanted))
        todo: dict[str, str] = {}  # key -> text, each distinct text once
        for key, doc in zip(keys, docs):
            if key not in found and key not in todo:
                todo[key] = doc.text
        fresh = {key: _as_json(value) for key, value in zip(todo, self.map(func, list(todo.values())))}
        if self.cache is not None and fresh:
            self.cache.put_many(namespace, fresh)
        values = [fresh[k] if k in fresh else found[k] for k in keys]
        if whole and (stored is None or worth_rewriting(len(wanted), len(keys))):
            distinct = dict(zip(keys, values))
            self.cache.put_many(f"{namespace}@all", {version: {"keys": list(distinct), "values": list(distinct.values())}})
        return values

    def _kept_values(self, namespace: str, version: str) -> dict[str, Any] | None:
        """The values :meth:`per_document` kept in one entry for ``namespace``, by key; None
        when there is none (or it is not what a kept entry holds)."""
        kept = self.cache.get_many(f"{namespace}@all", [version]).get(version)
        if not isinstance(kept, dict):
            return None
        keys, values = kept.get("keys"), kept.get("values")
        if not isinstance(keys, list) or not isinstance(values, list) or len(keys) != len(values):
            return None
        return dict(zip(keys, values))


    @property
    def used_generation(self) -> "Generation | None":
        """The :attr:`generation` if some check or analysis asked for it this run, else None."""
        return self._generation

    @property
    def generation(self) -> "Generation":
        """The statistics generation: the corpus state that :meth:`fitted` statistics were fitted on.

        Without a cache every run is its own generation. With one, the generation's
        documents (id and text digest) are kept; a run whose corpus differs from them in
        at most ``refit_after`` of its documents (added, edited or deleted) stays in it,
        a run beyond that starts a new one and every fitted statistic is fitted again.
        """
        if self._generation is None:
            self._generation = self._load_generation()
        return self._generation

    def _load_generation(self) -> "Generation":
        from .cache import digest

        current = self.digests()
        fresh_id = digest(*(f"{doc_id}:{sha}" for doc_id, sha in current.items()))
        if self.cache is None:
            return Generation(fresh_id, len(current), 0, refit=True)
        stored = self.cache.get_many("generation/1", ["current"]).get("current")
        if isinstance(stored, dict) and isinstance(stored.get("documents"), dict):
            base = stored["documents"]
            edited, gone = self.changed_since(base)
            differ = frozenset(doc.id for doc in edited)
            changed = len(differ) + sum(1 for doc_id, _ in gone if doc_id not in current)
            if changed <= self.refit_after * max(len(current), len(base)):
                # every document that differed from the base in any run of the generation (an edit
                # later reverted too): a cached judgement may have seen it in another state
                touched = frozenset(stored.get("touched", ())) | differ
                if len(touched) > len(stored.get("touched", ())):
                    self.cache.put_many("generation/1", {"current": dict(stored, touched=sorted(touched))})
                return Generation(str(stored["id"]), len(base), changed, refit=False,
                                  touched_ids=frozenset(t for t in touched if t in current))
        self.cache.put_many("generation/1", {"current": {"id": fresh_id, "documents": current}})
        return Generation(fresh_id, len(current), 0, refit=True)

    def fitted(self, name: str, fit: Callable[[], Any]) -> Any:
        """The statistic ``name`` (a JSON value) as fitted at the start of this :attr:`generation`.

        ``fit()`` computes it on the current corpus when the generation starts (or the
        value is missing); later runs of the generation read it from the cache, so that
        the judgements a check cached against it stay valid while only a few documents
        change. Put the format's version and whatever options shape the value in ``name``.
        """
        key = f"{name}@{self.generation.id}"
        if self.cache is not None:
            stored = self.cache.get_many("fitted/1", [key])
            if key in stored:
                return stored[key]
        value = _as_json(fit())
        if self.cache is not None:
            self.cache.put_many("fitted/1", {key: value})
        return value

    def document_frequencies(self, namespace: str, func: Callable[[str], Iterable[str]]) -> dict[str, int]:
        """In how many documents each item of ``func(document.text)`` occurs, over the whole corpus.

        An additive corpus statistic kept up to date across runs: the cache holds the
        counts and the digest of each document's text they were counted from, so a run
        after editing k documents subtracts their old items, adds their new ones and
        removes deleted documents' (O(k) feature work, exact: the same counts as
        counting afresh). When an old document's items are no longer in the cache, or
        there is no cache, everything is counted again. ``func`` must be a picklable
        module-level function returning strings (lower-cased words, terms); ``namespace``
        as for :meth:`per_document`.
        """
        from collections import Counter

        from .cache import code_version

        features = f"{namespace}/items"
        docs = list(self.documents)
        state_key = f"{code_version(func)}:state"
        state = self.cache.get_many(namespace, [state_key]).get(state_key) if self.cache is not None else None
        changed, gone = self.changed_since(state["documents"] if state else {})
        counts: Counter = Counter(state["counts"]) if state else Counter()
        old_items = self.features_of(features, _distinct(func), [sha for _, sha in gone])
        if state is None or old_items is None:
            changed, gone, counts = docs, [], Counter()  # nothing to start from: count everything
        for _, sha in gone:
            counts.subtract(old_items[sha])
        for items in self.per_document(features, _distinct(func), changed):
            counts.update(items)
        counts = Counter({item: n for item, n in counts.items() if n > 0})
        if self.cache is not None and (changed or gone or state is None):
            self.cache.put_many(namespace, {state_key: {"documents": self.digests(), "counts": dict(counts)}})
        return dict(counts)

    def digests(self) -> dict[str, str]:
        """Document id -> text digest: what an incremental statistic stores to know, next run,
        what it was computed from (see :meth:`changed_since`)."""
        return {d.id: d.sha256 for d in self.documents}

    def changed_since(self, counted: Mapping[str, str]) -> tuple[list[Document], list[tuple[str, str]]]:
        """The difference between the corpus and an earlier state of it (``counted``, as
        :meth:`digests` gave it): the documents added or edited since, and the (id, old
        digest) of those edited or deleted since, whose old contribution is to be taken out."""
        changed = [d for d in self.documents if counted.get(d.id) != d.sha256]
        gone = [(doc_id, sha) for doc_id, sha in counted.items()
                if (doc := self._by_id.get(doc_id)) is None or doc.sha256 != sha]
        return changed, gone

    def features_of(self, namespace: str, func: Callable, shas: Iterable[str]) -> dict[str, Any] | None:
        """The :meth:`per_document` values of ``func`` stored for texts with these digests
        (texts that may no longer be in the corpus: an edited document's old version), or
        None when any of them is no longer in the cache."""
        from .cache import code_version

        wanted = set(shas)
        if not wanted:
            return {}
        if self.cache is None:
            return None
        version = code_version(func)
        stored = self.cache.get_many(namespace, [_feature_key(version, sha) for sha in wanted])
        found = {key.split(":", 1)[1]: value for key, value in stored.items()}
        return found if len(found) == len(wanted) else None


@dataclass(frozen=True)
class Generation:
    """See :attr:`Corpus.generation`."""

    id: str
    #: documents the statistics were fitted on
    fitted_documents: int
    #: documents added, edited or deleted since
    changed_documents: int
    #: True when this run (re)fitted the statistics
    refit: bool
    #: documents of the corpus whose text differed from the generation's start in this run
    #: or an earlier run of the generation
    touched_ids: frozenset = frozenset()


def _feature_key(version: str, sha: str) -> str:
    """The cache key of a :meth:`Corpus.per_document` value: the function's code digest and the text's."""
    return f"{version}:{sha}"


class _distinct:
    """``sorted(set(func(text)))``, picklable (for :meth:`Corpus.document_frequencies`)."""

    def __init__(self, func: Callable[[str], Iterable[str]]):
        self.func = func

    def __call__(self, text: str) -> list[str]:
        return sorted(set(self.func(text)))


def _as_json(value: Any) -> Any:
    """``value`` as JSON reads it back (what the cache returns)."""
    return json.loads(json.dumps(value, sort_keys=True, ensure_ascii=False))


def require_documents(documents: Iterable[Document], where: str) -> list[Document]:
    docs = list(documents)
    if not docs:
        raise UsageError(f"{where}: the corpus has no documents (check the path and corpus.include)")
    return docs
