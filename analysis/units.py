"""Unit harmonisation: each reported unit to its outcome's analysis unit (rhil7.core.vocabulary.UNITS: cell counts
to 10^9/L, the meta-analysis's scale; lengths of stay in days)."""

from __future__ import annotations

from rhil7.core.vocabulary import UNITS

TO_TARGET = {(unit, target): factor for unit, (target, factor) in UNITS.items()}


def factor(unit: str, target: str) -> float:
    try:
        return TO_TARGET[(unit, target)]
    except KeyError:
        raise ValueError(f"no conversion from {unit} to {target}") from None
