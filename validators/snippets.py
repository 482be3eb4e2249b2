"""Does a verbatim snippet really contain the number extracted from it?

Numbers are compared as values, not strings: "0.90" in a snippet supports a
stored 0.9, "1,234" supports 1234, a Unicode minus supports a negative, and
the number words of small counts ("fifteen patients", "Twenty-one") support integers,
because trial abstracts spell counts out at the start of a sentence.
"""

from __future__ import annotations

import math
import re

WORDS = {
    "zero": 0,
    "none": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_WORDS = "|".join(sorted(WORDS, key=len, reverse=True))
# only number words are matched (one C-level scan), not every word of the snippet
WORD = re.compile(rf"\b(?:{_WORDS})(?:-(?:{_WORDS}))?\b", re.IGNORECASE)


PLAIN = re.compile(r"\d+(?:\.\d+)?|\.\d+")
SIGNED = re.compile(r"[-\u2212\u2013]((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)")
GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def digits_in(snippet: str) -> set[float]:
    """The numbers the snippet writes in digits (C-level scans only: called once per row of a large table)."""
    if not snippet:
        return set()
    found = set(map(float, PLAIN.findall(snippet)))
    if "," in snippet:
        found.update(float(t.replace(",", "")) for t in GROUPED.findall(snippet))
    if "-" in snippet or "\u2212" in snippet or "\u2013" in snippet:
        found.update(-float(t.replace(",", "")) for t in SIGNED.findall(snippet))
    return found


def numbers_in(snippet: str) -> set[float]:
    """Every number the snippet states, in digits or in words."""
    found = digits_in(snippet)
    for word in WORD.findall(snippet or ""):
        parts = word.lower().split("-")
        if len(parts) == 2 and WORDS[parts[0]] >= 20 and WORDS[parts[1]] < 10:
            found.add(float(WORDS[parts[0]] + WORDS[parts[1]]))  # "Twenty-seven" is 27
        found.update(float(WORDS[p]) for p in parts)
    return found


def snippet_supports(value: float, snippet: str) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    candidates = numbers_in(snippet)
    return any(math.isclose(float(value), c, rel_tol=0, abs_tol=1e-9) for c in candidates)


# SQL: a snippet's runs of digits and points, each between spaces; a number written the same way in a cell is
# found in it with one substring search
DIGIT_RUNS = "(' ' || regexp_replace(coalesce({}, ''), '[^0-9.]+', ' ', 'g') || ' ')"
