"""The stability of a partition as a typed result, serialised to the partition artifact's ``stability``.

Fields (JSON keys), all measured on exactly the coalitions returned, under the game's own
preference (:mod:`hedonic.game.stability`):

- ``preference``: the preference's description; ``cap``: the size cap moves were checked under
  (null: none);
- exact unilateral moves over every player and every coalition: ``nash_stable`` /
  ``nash_violations`` (players that gain by moving to another coalition with room, or alone),
  ``individually_stable`` / ``individual_violations`` (such moves the receiving coalition
  accepts), ``largest_gain`` (cardinal utilities only), ``example_move`` ([neuron, the smallest
  neuron of the coalition it would join or null for alone], or null);
- ``welfare``: the potential Σ_C Σ_{i<j∈C} (φ_ij − τ) where the game has one (additive), else null;
- sampled core stability: ``samples`` fresh coalitions T ~ D, ``blocking`` of them block, ``rate``,
  ``epsilon_upper`` (one-sided Clopper–Pearson bound at ``confidence``); null for n < 2;
- ``largest_blocking_coalition``: size of the largest coalition in which every member gains
  (monotone preferences; null where no polynomial oracle applies);
- ``core_stable`` / ``blocking_coalition``: the exhaustive verdict (n ≤ 14 players), else null;
- ``statement``: one sentence saying all of the above.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from hedonic.display import html_table


@dataclass(frozen=True)
class Stability:
    """Every stability check of one partition (module docstring)."""

    preference: Mapping[str, Any]
    nash_stable: bool
    nash_violations: int
    individually_stable: bool
    individual_violations: int
    largest_gain: float | None = None
    example_move: tuple[int, int | None] | None = None
    cap: int | None = None
    welfare: float | None = None
    samples: int | None = None
    blocking: int | None = None
    rate: float | None = None
    epsilon_upper: float | None = None
    confidence: float | None = None
    largest_blocking_coalition: int | None = None
    core_stable: bool | None = None
    blocking_coalition: tuple[int, ...] | None = None

    @property
    def statement(self) -> str:
        """The checks in one sentence, e.g. "Nash stable and individually stable (...); core: 0.00015-PAC stable at confidence 0.95 (...)"."""
        cap = "" if self.cap is None else f" under the cap of {self.cap}"
        if self.nash_stable:
            moves = f"Nash stable and individually stable (every unilateral move checked{cap})"
        elif self.individually_stable:
            moves = f"individually stable{cap}, not Nash stable ({self.nash_violations} neurons gain by moving, each against the wishes of the coalition it would join)"
        else:
            moves = f"not Nash stable{cap}: {self.nash_violations} neurons gain by moving ({self.individual_violations} into a coalition that accepts them)"
        parts = [moves]
        if self.samples:
            parts.append(
                f"core: {self.epsilon_upper:.3g}-PAC stable at confidence {self.confidence:g} ({self.blocking} of {self.samples} fresh samples from D block)"
            )
        if self.core_stable is not None:
            parts.append(
                "core stable (exhaustive)"
                if self.core_stable
                else f"not core stable (exhaustive: {list(self.blocking_coalition or ())} blocks)"
            )
        return "; ".join(parts)

    def headline(self) -> str:
        """The move checks in a few words, e.g. "Nash stable", "individually stable", "3 Nash violations"."""
        if self.nash_stable:
            return "Nash stable"
        return "individually stable" if self.individually_stable else f"{self.nash_violations} Nash violations"

    def __repr__(self) -> str:
        core = "" if not self.samples else f", core ε ≤ {self.epsilon_upper:.3g} at {self.confidence:g}"
        welfare = "" if self.welfare is None else f", welfare {self.welfare:.4g}"
        return f"Stability({self.headline()}{core}{welfare})"

    def _repr_html_(self) -> str:
        rows: list[tuple[str, Any]] = [
            ("Nash stable", f"{'yes' if self.nash_stable else 'no'} ({self.nash_violations} neurons gain by moving)"),
            ("individually stable", f"{'yes' if self.individually_stable else 'no'} ({self.individual_violations} accepted moves)"),
        ]
        if self.welfare is not None:
            rows.append(("welfare", f"{self.welfare:.6g}"))
        if self.samples:
            rows.append(
                (
                    "core, sampled",
                    f"{self.blocking} of {self.samples} block; ε ≤ {self.epsilon_upper:.3g} at confidence {self.confidence:g}",
                )
            )
        if self.largest_blocking_coalition is not None:
            rows.append(("largest blocking coalition", self.largest_blocking_coalition))
        if self.core_stable is not None:
            rows.append(("core stable (exhaustive)", "yes" if self.core_stable else f"no: {list(self.blocking_coalition or ())} blocks"))
        return html_table("Stability", rows, note=self.statement)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields, ``statement`` included."""
        fields = asdict(self)
        fields["preference"] = dict(self.preference)
        for key in ("example_move", "blocking_coalition"):
            fields[key] = None if fields[key] is None else list(fields[key])
        return {**fields, "statement": self.statement}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Stability:
        """Inverse of :meth:`as_dict` (``statement`` is derived, not read)."""
        known = {key: value for key, value in values.items() if key != "statement"}
        for key in ("example_move", "blocking_coalition"):
            if known.get(key) is not None:
                known[key] = tuple(known[key])
        return cls(**known)
