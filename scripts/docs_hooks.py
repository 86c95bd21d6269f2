"""MkDocs hooks: pages whose content is generated from the code at build time (``make docs``).

A page holds a marker line and the hook replaces it:

- ``<!-- generated: cli -->``: every ``hedonic`` command, from the commands' own help (usage,
  description, each argument and option with its help and default);
- ``<!-- generated: config -->``: every run-configuration key, from the dataclasses of
  :class:`hedonic.pipeline.RunConfig` (table, key, type, default, and the section's docstring);
- ``<!-- generated: tutorial -->``: the cells of ``docs/tutorial.ipynb`` (markdown as is, code
  in fenced blocks), so the page and the notebook the tests execute cannot drift apart;
- ``<!-- generated: api hedonic.STAGE -->``: the stage's reference, ``::: hedonic.STAGE`` for the
  names of its ``__all__``, plus one entry per exported function that shares its name with a
  module of the stage (``hedonic.models.lora_profile``): a static reader sees the module under that name,
  so the function is addressed where it is defined, found at build time (it survives moves).

Nothing generated is committed; a command, option or key added to the code appears on the next build.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import math
import pkgutil
import re
from pathlib import Path
from typing import Any

MARKER = re.compile(r"<!-- generated: (\w+)(?: ([\w.]+))? -->")
ROLE = re.compile(r":(?:func|class|meth|mod|data|attr|exc|obj|const|py:\w+):`(~?)([^`]+)`")


def plain_roles(text: str) -> str:
    """``text`` with every Sphinx role as inline code: the last dotted part with ``~``, the whole name without."""
    return ROLE.sub(lambda match: f"`{match[2].rsplit('.', 1)[-1] if match[1] else match[2]}`", text)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Replace each ``<!-- generated: NAME [ARGUMENT] -->`` line of ``markdown`` by its generated text."""
    docs_dir = Path(config["docs_dir"])
    return MARKER.sub(lambda match: GENERATORS[match[1]](docs_dir, *filter(None, [match[2]])), markdown)


def api_reference(docs_dir: Path, package: str) -> str:
    """``::: package`` and an entry for each exported function named like one of the package's modules."""
    module = importlib.import_module(package)
    submodules = {info.name for info in pkgutil.iter_modules(module.__path__)}
    shadowed = [name for name in module.__all__ if name in submodules]
    entries = [f"::: {package}"]
    for name in shadowed:
        value = getattr(module, name)
        entries.append(f"::: {value.__module__}.{value.__qualname__}\n    options:\n      heading_level: 3")
    if shadowed:
        entries.insert(1, f"## Exported as `{package}.NAME`, defined in its module")
    return "\n\n".join(entries) + "\n"


def cli_reference(docs_dir: Path) -> str:
    """Markdown for every command of ``hedonic``: usage, help text, and a table of its parameters."""
    import click
    import typer

    from hedonic.cli._app import app, register_commands

    register_commands()
    group = typer.main.get_command(app)
    root = click.Context(group, info_name="hedonic")
    sections = []
    for name in sorted(group.commands):
        command = group.commands[name]
        context = click.Context(command, info_name=name, parent=root)
        usage = " ".join(["hedonic", name, *command.collect_usage_pieces(context)])
        rows = [_parameter_row(parameter, context) for parameter in command.params]
        table = ["| parameter | meaning |", "|---|---|", *(row for row in rows if row)] if any(rows) else []
        sections.append(
            "\n".join(
                [f"## `hedonic {name}`", "", f"```\n{usage}\n```", "", plain_roles(inspect.cleandoc(command.help or "")), "", *table, ""]
            )
        )
    return "\n".join(sections)


def _parameter_row(parameter: Any, context: Any) -> str | None:
    record = parameter.get_help_record(context)
    if record is None:
        return None
    opts, text = record
    return f"| `{opts}` | {_cell(text)} |"


def config_reference(docs_dir: Path) -> str:
    """Markdown tables of every run-configuration key: one table per TOML table, its docstring above it."""
    from hedonic.pipeline import RunConfig

    top = [
        field
        for field in dataclasses.fields(RunConfig)
        if not dataclasses.is_dataclass(field.type) and field.name not in _sections(RunConfig)
    ]
    parts = ["### Top level", "", plain_roles(inspect.cleandoc(RunConfig.__doc__ or "")), "", *_key_table(RunConfig, [f.name for f in top])]
    for name, section in _sections(RunConfig).items():
        keys = [field.name for field in dataclasses.fields(section)]
        parts += ["", f"### `[{name}]`", "", plain_roles(inspect.cleandoc(section.__doc__ or "")), "", *_key_table(section, keys)]
    return "\n".join(parts) + "\n"


def _sections(config_class: type) -> dict[str, type]:
    defaults = config_class()
    return {
        field.name: type(getattr(defaults, field.name))
        for field in dataclasses.fields(config_class)
        if dataclasses.is_dataclass(getattr(defaults, field.name))
    }


def _key_table(section: type, keys: list[str]) -> list[str]:
    defaults = section()
    types = {field.name: field.type for field in dataclasses.fields(section)}
    rows = [f"| `{key}` | `{_type_name(types[key])}` | `{_toml(getattr(defaults, key))}` |" for key in keys]
    return ["| key | type | default |", "|---|---|---|", *rows]


def _type_name(annotation: Any) -> str:
    from hedonic.spelling import NONE

    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", str(annotation))
    return text.replace("|", "or").replace("None", json.dumps(NONE))


def _toml(value: Any) -> str:
    from hedonic.spelling import spell

    value = spell(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return repr(value)


def tutorial_cells(docs_dir: Path) -> str:
    """The tutorial notebook's cells as markdown: markdown cells with headings a level down, code cells fenced."""
    notebook = json.loads((docs_dir / "tutorial.ipynb").read_text(encoding="utf-8"))
    blocks = []
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":  # headings one level down: the page has its own title
            blocks.append(re.sub(r"^#", "##", source, flags=re.M))
        else:
            blocks.append(f"```python\n{source}\n```")
    return "\n\n".join(blocks) + "\n"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


GENERATORS = {"cli": cli_reference, "config": config_reference, "tutorial": tutorial_cells, "api": api_reference}
