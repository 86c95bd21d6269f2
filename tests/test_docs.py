"""The documentation pages agree with the code: configurations load, every artifact kind is documented
with its version, and the generated pages (CLI, configuration keys, API, tutorial) cover everything."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import importlib.util
import re
from pathlib import Path

import pytest

import hedonic
from hedonic.pipeline import RunConfig, load_config

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _hooks():
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "scripts" / "docs_hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _artifact_kinds() -> dict[str, int]:
    """kind → format version, from every ``X_KIND = "..."`` / ``X_FORMAT_VERSION = N`` pair in hedonic's sources.

    Read from the source text, not by importing every module: importing a submodule named like the
    function a package exports lazily (``hedonic.valuation.pas_exact``) would shadow that function.
    """
    kinds = {}
    for path in Path(hedonic.__file__).parent.rglob("*.py"):
        constants = {
            node.targets[0].id: node.value.value
            for node in ast.parse(path.read_text(encoding="utf-8")).body
            if isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Constant)
        }
        for name, value in constants.items():
            version = constants.get(name.removesuffix("_KIND") + "_FORMAT_VERSION")
            if name.endswith("_KIND") and isinstance(value, str) and isinstance(version, int):
                kinds[value] = version
    return kinds


@pytest.mark.parametrize("page", sorted(DOCS.glob("*.md")), ids=lambda p: p.name)
def test_every_run_configuration_shown_in_the_docs_loads(page: Path, tmp_path: Path) -> None:
    for number, block in enumerate(re.findall(r"```toml\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.DOTALL)):
        path = tmp_path / f"{page.stem}-{number}.toml"
        path.write_text(block, encoding="utf-8")
        load_config(path)


def test_the_artifact_page_gives_every_kind_with_its_current_version() -> None:
    page = (DOCS / "artifacts.md").read_text(encoding="utf-8")
    kinds = _artifact_kinds()
    assert len(kinds) >= 10
    missing = [f"{kind} {version}" for kind, version in sorted(kinds.items()) if f"`{kind}`, {version}" not in page]
    assert not missing, f"docs/artifacts.md lacks (kind, version): {missing}"


def test_the_cli_page_covers_every_command_and_option() -> None:
    text = _hooks().cli_reference(DOCS)
    for command in ("run", "demo", "discover", "valuation", "collect", "evaluate", "track", "report"):
        assert f"## `hedonic {command}`" in text
    assert "`--phi <path>`" in text and "[default: additive]" in text


def test_the_cli_page_speaks_one_vocabulary() -> None:
    """Issue 29 item 2: the run directory is --run-dir everywhere, layers --layer; the former spellings stay out of the help."""
    sections = dict(re.findall(r"## `hedonic (\w+)`\n(.*?)(?=\n## `|\Z)", _hooks().cli_reference(DOCS), flags=re.S))
    for command in ("valuation", "baselines", "evaluate", "explain", "track", "report"):
        assert "`--run-dir <path>`" in sections[command], command
        assert f"hedonic {command} [OPTIONS]\n" in sections[command], command
    for former in ("--layers", "--partitions", "Deprecated", "legacy"):
        assert not any(former in text for text in sections.values()), former
    assert "`--out-dir <path>`" in sections["collect"] and "`--layer <list[int]>`" in sections["collect"]


def test_the_configuration_page_covers_every_key() -> None:
    text = _hooks().config_reference(DOCS)
    defaults = RunConfig()
    for field in dataclasses.fields(RunConfig):
        section = getattr(defaults, field.name)
        if dataclasses.is_dataclass(section):
            assert f"### `[{field.name}]`" in text
            for key in dataclasses.fields(section):
                assert f"| `{key.name}` |" in text, f"[{field.name}] {key.name}"
        else:
            assert f"| `{field.name}` |" in text


def test_the_api_pages_document_every_stage_and_functions_named_like_their_module() -> None:
    hooks = _hooks()
    assert hooks.api_reference(DOCS, "hedonic.game").startswith("::: hedonic.game")
    text = hooks.api_reference(DOCS, "hedonic.models")
    assert text.startswith("::: hedonic.models") and "::: hedonic.models.lora_profile.lora_profile" in text
    for page in sorted((DOCS / "api").glob("*.md")):
        for package in re.findall(r"<!-- generated: api ([\w.]+) -->", page.read_text(encoding="utf-8")):
            importlib.import_module(package)


def test_the_tutorial_page_shows_every_cell_of_the_notebook() -> None:
    text = _hooks().tutorial_cells(DOCS)
    assert "## hedonic, step by step" in text and "\n# " not in text and text.count("```python") >= 10


def test_sphinx_roles_in_docstrings_become_inline_code_in_the_generated_pages() -> None:
    text = "see :func:`~hedonic.game.discover` and :class:`hedonic.game.Partition`, ``plain``"
    assert _hooks().plain_roles(text) == "see `discover` and `hedonic.game.Partition`, ``plain``"
    assert ":func:" not in _hooks().config_reference(DOCS)
