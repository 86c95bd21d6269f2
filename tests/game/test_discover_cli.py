"""``hedonic discover`` on precomputed φ files and on a run directory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hedonic import cli
from hedonic.game import load_partition, planted_valuation
from hedonic.valuation import Valuation, save_valuation


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Exit code, stdout and stderr with all whitespace removed (rich wraps long lines anywhere)."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as stop:
        cli.main(argv)
    captured = capsys.readouterr()
    return int(stop.value.code or 0), "".join(captured.out.split()), "".join(captured.err.split())


def _squeezed(text: str) -> str:
    return "".join(text.split())


def test_discover_on_a_npy_file_plays_the_default_additive_game(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    phi, _ = planted_valuation(120, 0.1, sizes=(4, 10), seed=0)
    np.save(tmp_path / "phi.npy", phi)
    out = tmp_path / "partition.json"
    code, printed, _ = _run(["discover", "--phi", str(tmp_path / "phi.npy"), "--out", str(out), "--stability-samples", "500"], capsys)
    assert code == 0
    assert (
        _squeezed("additive on phi.npy: 120 neurons") in printed
        and "singletons" in printed
        and "τ_ij=" in printed
        and "(rulescaled)" in printed
    )
    assert _squeezed("Nash stable and individually stable") in printed and _squeezed("PAC stable at confidence 0.95") in printed
    assert _squeezed(f"wrote {out}") in printed and "WARNING" not in printed
    partition = load_partition(out)
    assert (
        partition.n_players == 120
        and partition.parameters["tau_estimate"]["multiplier"] == 1.5
        and partition.parameters["tau_rule"] == "scaled"
    )
    assert partition.stability is not None and partition.stability.nash_stable
    large, _ = planted_valuation(120, 0.1, sizes=(20, 30), seed=0)
    np.save(tmp_path / "large.npy", large)
    code, printed, _ = _run(["discover", "--phi", str(tmp_path / "large.npy"), "--out", str(out), "--stability-samples", "100"], capsys)
    assert code == 0 and _squeezed("WARNING: 7 coalition(s) reached the size bound max_size = 12") in printed


def test_discover_pac_top_cover_warns_when_few_pairs_were_seen(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    phi, _ = planted_valuation(120, 0.1, seed=0)
    np.save(tmp_path / "phi.npy", phi)
    out = tmp_path / "partition.json"
    argv = ["discover", "--phi", str(tmp_path / "phi.npy"), "--out", str(out), "--method", "pac-top-cover", "--stability-samples", "500"]
    code, printed, _ = _run(argv, capsys)
    assert code == 0 and _squeezed("pac-top-cover on phi.npy: 120 neurons") in printed and "WARNING" not in printed
    assert load_partition(out).parameters["m"] == 50000
    code, printed, _ = _run([*argv, "--m", "30"], capsys)
    assert code == 0 and _squeezed("WARNING: the PAC samples saw only") in printed


def test_discover_on_a_run_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    phi, _ = planted_valuation(60, 0.1, seed=1)
    neurons = np.arange(60, dtype=np.int64) * 3
    save_valuation(Valuation(phi, "oca", neurons, layer=5), tmp_path / "run" / "valuation" / "layer5.safetensors")
    argv = [
        "discover",
        "--run-dir",
        str(tmp_path / "run"),
        "--layer",
        "5",
        "--method",
        "top-cover",
        "--k",
        "3",
        "--max-size",
        "none",
        "--stability-samples",
        "200",
    ]
    code, printed, _ = _run(argv, capsys)
    assert code == 0 and _squeezed("top-cover on layer5.safetensors") in printed
    partition = load_partition(tmp_path / "run" / "partitions" / "layer5.json")
    assert partition.layer == 5 and partition.neurons == tuple(neurons.tolist())
    assert partition.parameters["k"] == 3 and partition.parameters["max_size"] is None


def test_discover_passes_the_choice_rule_and_stability_samples(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    phi, _ = planted_valuation(60, 0.1, seed=2)
    np.save(tmp_path / "phi.npy", phi)
    out = tmp_path / "partition.json"
    argv = [
        "discover",
        "--phi",
        str(tmp_path / "phi.npy"),
        "--out",
        str(out),
        "--method",
        "top-cover",
        "--choice",
        "fixed",
        "--stability-samples",
        "300",
    ]
    code, _, _ = _run(argv, capsys)
    assert code == 0
    partition = load_partition(out)
    assert partition.parameters["choice"] == "fixed" and partition.stability is not None
    assert partition.stability.samples == 300 and partition.stability.preference["choice"] == "fixed"
    code, _, error = _run([*argv[:-4], "--choice", "nearest"], capsys)
    assert code == 2 and "unknownchoicerule'nearest'" in error


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        (np.zeros((3, 4), dtype=np.float32), "square"),
        (np.array([[0, 1, 0], [0, 0, 0], [0, 0, 0]], dtype=np.float32), "not symmetric"),
        (np.eye(3, dtype=np.float32), "zero diagonal"),
    ],
)
def test_bad_valuation_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], matrix: np.ndarray, message: str) -> None:
    np.save(tmp_path / "phi.npy", matrix)
    code, _, err = _run(["discover", "--phi", str(tmp_path / "phi.npy"), "--out", str(tmp_path / "p.json")], capsys)
    assert code == 2 and _squeezed(message) in err and "hint:" in err
    assert not (tmp_path / "p.json").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--phi", "{tmp}/missing.npy", "--out", "{tmp}/p.json"], "no such file"),
        (["--out", "{tmp}/p.json"], "either --phi"),
        (["--phi", "{tmp}/missing.npy"], "--phi needs --out"),
        (["--run-dir", "{tmp}"], "needs --layer"),
        (["--phi", "{tmp}/missing.npy", "--run-dir", "{tmp}"], "not both"),
        (["--run-dir", "{tmp}", "--layer", "2"], "layer2.safetensors: no such file"),
    ],
)
def test_bad_invocations_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str) -> None:
    code, _, err = _run(["discover", *(part.format(tmp=tmp_path) for part in extra)], capsys)
    assert code == 2 and _squeezed(message) in err


def test_bad_option_value_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    np.save(tmp_path / "phi.npy", np.zeros((4, 4), dtype=np.float32))
    code, _, err = _run(["discover", "--phi", str(tmp_path / "phi.npy"), "--out", str(tmp_path / "p.json"), "--method", "greedy"], capsys)
    assert (
        code == 2
        and _squeezed("unknown game method 'greedy'") in err
        and _squeezed("additive, additive-individual, top-cover, pac-top-cover") in err
    )
    code, _, err = _run(["discover", "--phi", str(tmp_path / "phi.npy"), "--out", str(tmp_path / "p.json"), "--tau", "high"], capsys)
    assert (
        code == 2
        and _squeezed("tau must be a finite number, 'auto' or a rule name") in err
        and _squeezed("scaled, noise, modularity") in err
    )


def test_defaults_recover_planted_groups_at_layer_scale(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Acceptance (issue 14): σ = 0.3, n = 1536, defaults, end to end: ARI ≥ 0.95 (n = 14336: benchmarks/game_discover.py)."""
    from sklearn.metrics import adjusted_rand_score

    phi, truth = planted_valuation(1536, 0.3, seed=0)
    save_valuation(Valuation(phi, "planted", np.arange(1536, dtype=np.int64)), tmp_path / "phi.safetensors")
    code, _, _ = _run(["discover", "--phi", str(tmp_path / "phi.safetensors"), "--out", str(tmp_path / "p.json")], capsys)
    partition = load_partition(tmp_path / "p.json")
    assert code == 0 and adjusted_rand_score(truth, partition.labels()) >= 0.95
    assert partition.stability is not None and partition.stability.nash_stable
