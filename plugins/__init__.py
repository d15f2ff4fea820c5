"""The built-in plugins. Each module is an ordinary plugin using only the public API.

``BUILTIN_PLUGINS`` lists them by short name (usable with ``-p no:NAME`` and
``disable_plugins``), in registration order.
"""

if __name__ != "copydesk.plugins":  # pragma: no cover
    raise ImportError("plugins/ installs as 'copydesk.plugins'; import it by that name")

BUILTIN_PLUGINS = (
    "loaders",
    "formats",
    "corpus_health",
    "duplication",
    "translation",
    "attribution",
    "ci_formats",
    "html_report",
    "semantic",
    "ray_executor",
    "offtopic",
    "baseline",
    "changed",
    "budgets",
)
