"""``hedonic lora``: show where a LoRA adapter changed the model's MLPs, and save the profile."""

from __future__ import annotations

from typing import Annotated

import typer

from hedonic.cli._app import app
from hedonic.cli.options import AdapterOption, AllowNewHeadOption, DeviceOption, ModelArgument, OutOption


@app.command()
def lora(
    model: ModelArgument,
    adapter: AdapterOption = None,
    out: OutOption = None,
    top_k: Annotated[int, typer.Option("--top-k", min=1, help="How many layers to suggest for analysis.")] = 3,
    allow_new_head: AllowNewHeadOption = False,
    device: DeviceOption = "cpu",
) -> None:
    """Profile a LoRA update: ‖ΔW‖_F, relative norm and top neuron per layer and MLP module (--out: also write it as a JSON artifact)."""
    from rich.table import Table

    from hedonic.cli.options import check_output
    from hedonic.display import console as make_console
    from hedonic.models import lora_profile, open_model, save_lora_profile, select_layers
    from hedonic.models.lora_profile import PROFILE_KIND

    if out is not None:
        check_output(out, PROFILE_KIND)
    loaded = open_model(model, adapter, device=device, allow_new_head=allow_new_head)
    profile = lora_profile(loaded, model_name=model)

    table = Table(title=f"LoRA update of {model}")
    for column in ("layer", "module", "‖ΔW‖_F", "relative", "top neuron"):
        table.add_column(column, justify="left" if column == "module" else "right")
    for update in profile.modules:
        top, norms = update.top_neuron(), update.neuron_norms
        top_text = "-" if top is None or norms is None else f"{top} ({norms[top]:.3g})"
        table.add_row(str(update.layer), update.module, f"{update.delta_norm:.4g}", f"{update.relative:.4g}", top_text)
    console = make_console()
    console.print(table)
    relative = profile.layer_relative()
    if relative:
        chosen = select_layers(profile, min(top_k, len(relative)))
        console.print(f"layers with the largest relative MLP update: {', '.join(map(str, chosen))}")
    if out is not None:
        save_lora_profile(profile, out)
        console.print(f"wrote {out}")
