"""Griffe extension for the API reference (``make docs``): Sphinx roles in docstrings as code.

hedonic's docstrings cross-reference with Sphinx roles (``:func:`~hedonic.game.discover```); the
Markdown renderer would print them literally. Each becomes inline code: the last dotted part with
``~``, the whole name without. References are not turned into links, so a name the reference does
not render (a private module) cannot break the strict build.
"""

from __future__ import annotations

import re
from typing import Any

from griffe import Extension

ROLE = re.compile(r":(?:func|class|meth|mod|data|attr|exc|obj|const|py:\w+):`(~?)([^`]+)`")


def plain_roles(text: str) -> str:
    """``text`` with every Sphinx role replaced by inline code (see the module docstring)."""
    return ROLE.sub(lambda match: f"`{match[2].rsplit('.', 1)[-1] if match[1] else match[2]}`", text)


class SphinxRoles(Extension):
    """Rewrites the docstring of every object griffe loads with :func:`plain_roles`."""

    def on_instance(self, *, obj: Any, **kwargs: Any) -> None:
        """Called by griffe once per loaded object (module, class, function, attribute)."""
        if obj.docstring is not None:
            obj.docstring.value = plain_roles(obj.docstring.value)
