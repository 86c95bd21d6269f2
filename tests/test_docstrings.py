"""Every public name of every stage has a docstring, and one that gives the shapes of its arrays.

Public: the names in a stage's ``__all__``. A function (or a class's constructor / fields) that
takes or returns arrays (``np.ndarray``, ``torch.Tensor``, by its annotations) must say their
shapes, e.g. ``(n, n)``, ``(k,)``, ``n×n`` or "shape". All offenders are reported at once.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import re
from typing import Any

import pytest

STAGES = (
    "models",
    "data",
    "stats",
    "ablation",
    "valuation",
    "game",
    "baselines",
    "evaluation",
    "meaning",
    "tracking",
    "report",
    "pipeline",
)
ARRAY = re.compile(r"\b(?:np\.ndarray|ndarray|NDArray|torch\.Tensor|Tensor|ArrayLike)\b")
SHAPE = re.compile(r"\((?:\s*[\w+\-·*/ ]{1,16},)+\s*[\w+\-·*/ ]{0,16}\)|×|\bshape\b")
KNOWN_OFFENDERS = frozenset(
    {
        "hedonic.data.bm25_idf",
        "hedonic.evaluation.compare_methods",
        "hedonic.tracking.track_chain",
        "hedonic.tracking.virtual_weights",
    }
)
"""Offenders in stages another change owns, listed so that this test passes until they are fixed (remove them then)."""


def _annotations(value: Any) -> str:
    """Every annotation of a function's signature, or of a class's fields and constructor, as text."""
    if inspect.isclass(value):
        fields = [str(field.type) for field in dataclasses.fields(value)] if dataclasses.is_dataclass(value) else []
        target: Any = value.__init__ if "__init__" in vars(value) else None
        return " ".join(fields) + (" " + _annotations(target) if target is not None else "")
    try:
        signature = inspect.signature(value)
    except (TypeError, ValueError):
        return ""
    parts = [str(parameter.annotation) for parameter in signature.parameters.values()]
    return " ".join([*parts, str(signature.return_annotation)])


def _problem(value: Any) -> str | None:
    doc = inspect.getdoc(value) if inspect.isclass(value) or callable(value) else None
    own = value.__doc__ if inspect.isclass(value) or inspect.isfunction(value) else doc
    generated = inspect.isclass(value) and dataclasses.is_dataclass(value) and (own or "").startswith(value.__name__ + "(")
    if not own or not own.strip() or generated:
        return "no docstring"
    if ARRAY.search(_annotations(value)) and not SHAPE.search(own):
        return "takes or returns arrays but its docstring gives no shape"
    return None


def offenders() -> dict[str, str]:
    """``hedonic.STAGE.NAME`` → the problem, for every public function and class of every stage."""
    found = {}
    for stage in STAGES:
        module = importlib.import_module(f"hedonic.{stage}")
        for name in module.__all__:
            value = getattr(module, name)
            if inspect.isfunction(value) or inspect.isclass(value):
                problem = _problem(value)
                if problem:
                    found[f"hedonic.{stage}.{name}"] = problem
    return found


def test_every_public_function_and_class_documents_itself_and_its_shapes() -> None:
    found = offenders()
    new = {name: problem for name, problem in found.items() if name not in KNOWN_OFFENDERS}
    assert not new, f"{len(new)} public names lack a docstring or its shapes:\n" + "\n".join(f"  {n}: {p}" for n, p in sorted(new.items()))


def test_the_list_of_known_offenders_holds_only_current_ones() -> None:
    fixed = sorted(KNOWN_OFFENDERS - set(offenders()))
    assert not fixed, f"fixed, remove them from KNOWN_OFFENDERS: {fixed}"


@pytest.mark.parametrize(
    ("doc", "has_shape"),
    [("φ (n, n) float32", True), ("values (k,) over neurons", True), ("an n×n matrix", True), ("the matrix", False), ("Return it.", False)],
)
def test_the_shape_pattern_tells_shapes_from_prose(doc: str, has_shape: bool) -> None:
    assert bool(SHAPE.search(doc)) is has_shape
