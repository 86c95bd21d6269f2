"""Named models: names and tasks resolve the same way everywhere, and bad ones fail naming the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from hedonic.errors import ModelError
from hedonic.models import model_names, named_adapter, open_model, registry, resolve_named


def test_names_and_tasks() -> None:
    assert model_names() == ["demo", "demo:relevance", "smollm2", "smollm2:relevance", "smollm2:cqtr", "smollm2:tf-l"]
    entry, task = resolve_named("smollm2")
    assert (entry.name, task) == ("smollm2", "relevance")
    assert resolve_named("smollm2:relevance")[1] == "relevance"
    assert resolve_named("demo")[1] == "relevance"
    for other in ("meta-llama/Llama-3.1-8B", "./smollm2", Path("smollm2"), "smollm"):
        assert resolve_named(other) is None


def test_unknown_task_is_a_clear_error() -> None:
    with pytest.raises(ModelError, match="no adapter for task 'cqtr'") as error:
        resolve_named("demo:cqtr")
    assert "demo:relevance" in error.value.hint
    with pytest.raises(ModelError, match="no adapter for task 'bm25'"):
        open_model("smollm2:bm25")


def test_named_adapter_is_the_bundled_folder() -> None:
    assert named_adapter("demo").name == "demo_adapter"
    assert named_adapter("smollm2:relevance").name == "smollm2_relevance"
    assert named_adapter("/models/mine") is None


def test_missing_bundled_adapter_names_the_training_script(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry.resources, "files", lambda _package: tmp_path)
    with pytest.raises(ModelError, match="smollm2 adapter for relevance is missing") as error:
        named_adapter("smollm2")
    assert "train_demo_reranker.py --model smollm2 --task relevance" in error.value.hint
