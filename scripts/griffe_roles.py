"""Griffe extension for the API reference (``make docs``): Sphinx roles in docstrings as code.

hedonic's docstrings cross-reference with Sphinx roles (``:func:`~hedonic.game.discover```); the
Markdown renderer would print them literally. Each becomes inline code
(``docs_hooks.plain_roles``). References are not turned into links, so a name the reference does
not render (a private module) cannot break the strict build.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from griffe import Extension

_spec = importlib.util.spec_from_file_location("hedonic_docs_hooks", Path(__file__).with_name("docs_hooks.py"))
_hooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_hooks)


class SphinxRoles(Extension):
    """Rewrites the docstring of every object griffe loads with ``docs_hooks.plain_roles``."""

    def on_instance(self, *, obj: Any, **kwargs: Any) -> None:
        """Called by griffe once per loaded object (module, class, function, attribute)."""
        if obj.docstring is not None:
            obj.docstring.value = _hooks.plain_roles(obj.docstring.value)
