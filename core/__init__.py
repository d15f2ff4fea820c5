"""copydesk: a copy desk for text corpora.

The public API for plugin authors is re-exported here; built-in plugins import only
from this module, which proves a third-party plugin can do everything they do.
"""

if __name__ != "copydesk":  # pragma: no cover - guards against `import core` from the repo root
    raise ImportError(
        "the core/ folder installs as the package 'copydesk'; run `pip install -e .` and "
        "`import copydesk` instead of importing it by its folder name"
    )

from importlib.metadata import PackageNotFoundError, version as _version

from .cache import digest, worth_rewriting
from .checks import Check
from .corpus import Analysis, Corpus
from .errors import ExitCode, UsageError
from .hookspecs import hookimpl, hookspec
from .jsoncodec import dumps_printable, dumps_printable_joined
from .loading import CorpusSettings, Loader
from .model import Document, Finding, LoadProblem, Related, Severity, Span, quick_init
from .output import Formatter, write_atomically
from .runner import plan_document_checks, run_corpus_checks, run_document_work, store_document_results

try:
    __version__ = _version("copydesk")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"



def main(argv: "list[str] | None" = None, extra_plugins: tuple = ()) -> int:
    """Run the ``copydesk`` command line in this process and return its exit code."""
    from .cli import main as cli_main

    return cli_main(argv, extra_plugins)


__all__ = [
    "Analysis",
    "Check",
    "Corpus",
    "CorpusSettings",
    "Document",
    "ExitCode",
    "Finding",
    "Formatter",
    "LoadProblem",
    "Loader",
    "Related",
    "Severity",
    "Span",
    "UsageError",
    "digest",
    "dumps_printable",
    "dumps_printable_joined",
    "__version__",
    "hookimpl",
    "hookspec",
    "main",
    "quick_init",
    "plan_document_checks",
    "run_corpus_checks",
    "run_document_work",
    "store_document_results",
    "worth_rewriting",
    "write_atomically",
]
