"""Unit harmonisation for cell counts: everything to 10^9/L (the meta-analysis's scale), lengths of stay in days.

1 cell/uL = 1 cell/mm3 = 10^6 cells/L = 0.001 x 10^9/L; 10^3/uL = 10^9/L.
"""
from __future__ import annotations

TO_TARGET = {
    ("cells/uL", "10^9/L"): 0.001,
    ("cells/mm3", "10^9/L"): 0.001,
    ("10^3/uL", "10^9/L"): 1.0,
    ("10^9/L", "10^9/L"): 1.0,
    ("days", "days"): 1.0,
}


def factor(unit: str, target: str) -> float:
    try:
        return TO_TARGET[(unit, target)]
    except KeyError:
        raise ValueError(f"no conversion from {unit} to {target}") from None
