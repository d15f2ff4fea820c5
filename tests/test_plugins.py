"""Plugins: a check written in this file registers and runs through the public hooks."""

import sys
import textwrap

import pytest

from copydesk import Analysis, Check, Finding, Related, Severity, Span, hookimpl
from copydesk.errors import PluginError
from copydesk.manager import collect_registry, make_plugin_manager
from copydesk.testing import run_check

STORY = ("Officials said the river crested at nine metres on Sunday. "
         "Residents of the low-lying districts were told to leave their homes.\n")


class ShoutingHeadline(Check):
    """A paragraph written entirely in capital letters.

    Why it matters: all-caps text is usually a scraped headline or a label.

    Example: "FLOOD WARNING ISSUED" on a line of its own.
    """

    code = "XSH001"
    name = "shouting-paragraph"
    category = "style"
    severity = Severity.INFO
    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"min_letters": {"type": "integer", "minimum": 1, "default": 8, "description": "Shortest paragraph to flag."}},
    }

    def check_document(self, document):
        for paragraph in document.paragraphs:
            letters = [c for c in paragraph.text if c.isalpha()]
            if len(letters) >= self.options["min_letters"] and all(c.isupper() for c in letters):
                yield self.finding(document, paragraph.span, f"paragraph in capitals: “{paragraph.text}”")


class WordCounts(Analysis):
    """Words per document; shared by corpus checks."""

    name = "word-counts"
    computed = 0

    def compute(self, corpus):
        WordCounts.computed += 1
        return {doc.id: len(doc.tokens) for doc in corpus}


class LongestDocument(Check):
    """The longest document of the corpus (a corpus-level example).

    Why it matters: a test.

    Example: none.
    """

    code = "XLD001"
    name = "longest-document"
    category = "style"

    def check_corpus(self, corpus):
        counts = corpus.analysis("word-counts")
        again = corpus.analysis("word-counts")
        assert counts is again
        longest = max(counts, key=lambda k: (counts[k], k))
        others = [Related(d) for d in counts if d != longest]
        yield self.finding(longest, None, f"longest document ({counts[longest]} words)", related=others)


class StylePlugin:
    @staticmethod
    @hookimpl
    def copydesk_register_checks():
        return [ShoutingHeadline, LongestDocument]

    @staticmethod
    @hookimpl
    def copydesk_register_analyses():
        return [WordCounts]


def test_run_check_helper_on_in_memory_documents():
    findings = run_check(ShoutingHeadline, {"a.txt": "FLOOD WARNING ISSUED\n" + STORY, "b.txt": STORY})
    (finding,) = findings
    assert isinstance(finding, Finding)
    assert finding.document == "a.txt" and finding.span == Span(0, 20) and finding.severity is Severity.INFO
    assert run_check(ShoutingHeadline, {"a.txt": "FLOOD WARNING ISSUED\n"}, {"min_letters": 30}) == []
    with pytest.raises(ValueError, match="min_letters"):
        run_check(ShoutingHeadline, {"a.txt": "x"}, {"min_letters": 0})


def test_plugin_checks_and_shared_analysis_run_through_the_cli(copydesk_project):
    WordCounts.computed = 0
    copydesk_project.write_corpus({"a.txt": "HEAVY RAIN EXPECTED TONIGHT\n" + STORY, "b.txt": STORY})
    result = copydesk_project.run("check", "corpus", "--select", "X", "-f", "json", plugins=[StylePlugin])
    assert result.exit_code == 0, result  # info and warning findings; fail_on is error
    assert result.codes() == ["XLD001", "XSH001"]
    assert WordCounts.computed == 1
    rows = {c["code"]: c for c in result.report["run"]["checks"]}
    assert rows["XSH001"]["category"] == "style"
    assert [a["name"] for a in result.report["run"]["analyses"]] == ["word-counts"]


def test_local_plugin_from_path_and_module_name(copydesk_project, monkeypatch):
    copydesk_project.write_corpus({"a.txt": STORY})
    source = textwrap.dedent('''
        from copydesk import Check, hookimpl

        class Metres(Check):
            """Mentions of metres.

            Why it matters: a test.

            Example: "nine metres".
            """
            code = "XME001"
            name = "metres"
            category = "test"

            def check_document(self, document):
                start = document.text.find("metres")
                if start >= 0:
                    yield self.finding(document, (start, start + 6), "metres mentioned")

        @hookimpl
        def copydesk_register_checks():
            return [Metres]
    ''')
    (copydesk_project.path / "plugs").mkdir()
    (copydesk_project.path / "plugs" / "metres_plugin.py").write_text(source)
    copydesk_project.write_config("version: 1\ncorpus: {paths: [corpus]}\nselect: [XME001]\nplugins: [plugs/metres_plugin.py]\n")
    result = copydesk_project.run("check", "-f", "json")
    assert result.codes() == ["XME001"], result
    assert result.report["findings"][0]["excerpt"] == "metres"

    monkeypatch.syspath_prepend(str(copydesk_project.path / "plugs"))
    copydesk_project.write_config("version: 1\ncorpus: {paths: [corpus]}\nselect: [XME001]\nplugins: [metres_plugin]\n")
    assert copydesk_project.run("check", "-f", "json").codes() == ["XME001"]
    sys.modules.pop("metres_plugin", None)


def test_disable_plugin_with_dash_p(copydesk_project):
    copydesk_project.write_corpus({"a.txt": STORY, "b.txt": STORY})
    result = copydesk_project.run("check", "corpus", "-p", "no:duplication", "--select", "CD,ATT001", "-f", "json")
    assert result.exit_code == 0, result
    assert not any(c["code"].startswith("DUP") for c in result.report["run"]["checks"])
    assert copydesk_project.run("check", "corpus", "-p", "no:runner").exit_code == 2


def test_check_needing_a_disabled_analysis_is_a_one_line_error(copydesk_project):
    copydesk_project.write_corpus({"a.txt": STORY})
    result = copydesk_project.run("check", "corpus", "-p", "no:duplication", "--select", "TRN002")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "copydesk: error: check TRN002 spun-substitution needs the shared analysis 'reuse', which no loaded "
        "plugin provides (is the plugin that registers it disabled?); ignore TRN002 or enable that plugin"
    )


def test_entry_point_plugins_are_loaded(monkeypatch):
    import importlib.metadata as md

    class FakeEntryPoint:
        name = "style"
        value = "style_plugin:StylePlugin"
        dist = None

        def load(self):
            return StylePlugin

    class BrokenEntryPoint(FakeEntryPoint):
        name = "broken"

        def load(self):
            raise ImportError("cannot import name 'thing'")

    monkeypatch.setattr(md, "entry_points", lambda group=None: [FakeEntryPoint()] if group == "copydesk" else [])
    registry = collect_registry(make_plugin_manager(autoload=True))
    assert "XSH001" in registry.checks and registry.checks["XSH001"].plugin == "style"

    monkeypatch.setattr(md, "entry_points", lambda group=None: [BrokenEntryPoint()] if group == "copydesk" else [])
    with pytest.raises(PluginError, match="plugin 'broken' .* failed to load: ImportError: cannot import name 'thing'"):
        make_plugin_manager(autoload=True)


def test_duplicate_code_names_both_plugins():
    class Clash(Check):
        """Clashes.

        Why it matters: test. Example: none.
        """
        code = "DUP001"
        name = "clash"
        category = "test"

    class ClashPlugin:
        @staticmethod
        @hookimpl
        def copydesk_register_checks():
            return [Clash]

    pm = make_plugin_manager(extra_plugins=[ClashPlugin], autoload=False)
    with pytest.raises(PluginError, match="DUP001 is registered twice: by plugin 'duplication'"):
        collect_registry(pm)


def test_malformed_check_declaration_is_a_plugin_error():
    class Bad(Check):
        code = "bad1"
        name = "Not Kebab"
        category = "test"
        options_schema = {"type": "object"}

    class BadPlugin:
        @staticmethod
        @hookimpl
        def copydesk_register_checks():
            return [Bad]

    with pytest.raises(PluginError) as info:
        collect_registry(make_plugin_manager(extra_plugins=[BadPlugin], autoload=False))
    message = str(info.value)
    assert "does not look like ABC123" in message and "not kebab-case" in message
    assert "no docstring" in message and "additionalProperties: false" in message


def test_misspelt_hook_fails_at_once():
    class Typo:
        @staticmethod
        @hookimpl
        def copydesk_register_chekcs():
            return []

    with pytest.raises(PluginError, match="unknown hook 'copydesk_register_chekcs'"):
        make_plugin_manager(extra_plugins=[Typo], autoload=False)


def test_plugins_command_lists_plugins_hooks_and_codes(copydesk_project):
    result = copydesk_project.run("plugins", plugins=[StylePlugin])
    assert result.exit_code == 0
    assert "duplication" in result.stdout and "checks: DUP001" in result.stdout.replace("DUP001,", "DUP001")
    assert "copydesk_register_checks" in result.stdout


def test_suppress_and_modify_report_hooks(copydesk_project):
    class Waiver:
        @staticmethod
        @hookimpl
        def copydesk_suppress_finding(session, finding):
            return "waived in test" if finding.document == "b.txt" else None

        @staticmethod
        @hookimpl
        def copydesk_modify_report(report):
            report["run"]["waiver"] = "applied"

    copydesk_project.write_corpus({"a.txt": STORY, "b.txt": STORY})
    result = copydesk_project.run("check", "corpus", "--select", "DUP001", "-f", "json", plugins=[Waiver])
    assert result.exit_code == 0 and result.report["findings"] == []
    assert result.report["suppressed"][0]["suppressed_by"] == "waived in test"
    assert result.report["run"]["waiver"] == "applied"


def test_a_report_a_plugin_breaks_is_an_internal_error_and_no_output_is_replaced(copydesk_project):
    """The report is checked against its schema before any output is written."""
    class Breaker:
        @staticmethod
        @hookimpl
        def copydesk_modify_report(report):
            report["findings"][0]["severity"] = "dreadful"

    copydesk_project.write_corpus({"a.txt": STORY, "b.txt": STORY})
    old = copydesk_project.path / "old.json"
    old.write_text('{"the": "last report"}', encoding="utf-8")
    result = copydesk_project.run("check", "corpus", "--select", "DUP001", "-f", "json", "-o", "old.json",
                                  "-f", "sarif", "-o", "new.sarif", plugins=[Breaker])
    assert result.exit_code == 3, result
    assert "does not match its schema" in result.stderr and "dreadful" in result.stderr
    assert old.read_text(encoding="utf-8") == '{"the": "last report"}'
    assert not (copydesk_project.path / "new.sarif").exists()
    assert not [p.name for p in copydesk_project.path.iterdir() if p.name.endswith(".tmp")]
    result = copydesk_project.run("check", "corpus", "--select", "DUP001", "-f", "text", plugins=[Breaker])
    assert result.exit_code == 3 and "DUP001" not in result.stdout
