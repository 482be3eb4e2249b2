"""The size of ``validators/``, the third of issue 15's targets: smaller than before the one-engine work by at
least the large-table engine it replaced.

Two counts, each over the ``*.py`` files of a folder: lines (what ``wc -l`` prints) and lines of code (lines
holding a token that is neither a comment nor a docstring; blank lines do not count). The second is the fairer
one: it does not move when a docstring or a comment is reworded.

    python benchmarks/code_size.py [FOLDER]    # default: the checkout's validators/
"""
from __future__ import annotations

import io
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Measured with ``count`` at commit 39e971c, the last before the one-engine work (the security issue's checks,
# which issue 15 asked to plan together with it, were in by then): validators/ as a whole, and the large-table
# engine (csv_syntax.py, fast_structure.py, arrow_reading.py). Reproduce with
#   git archive 39e971c validators | tar -x -C /tmp/before && python benchmarks/code_size.py /tmp/before/validators
# and the same on a folder holding those three files.
BEFORE = {"commit": "39e971c", "lines": 2855, "code": 2076}
LARGE_TABLE_ENGINE = {"lines": 457, "code": 309}


def _docstring_lines(tokens: list[tokenize.TokenInfo]) -> set[int]:
    """The lines of the strings that are statements of their own (docstrings)."""
    lines, statement_start = set(), True
    for token, following in zip(tokens, tokens[1:]):
        if token.type in (tokenize.NL, tokenize.COMMENT):
            continue
        if token.type == tokenize.STRING and statement_start and following.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            lines.update(range(token.start[0], token.end[0] + 1))
        statement_start = token.type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)
    return lines


def count(folder: Path) -> dict:
    """{"lines": ..., "code": ...} of the ``*.py`` files directly in ``folder``."""
    lines = code = 0
    for path in sorted(folder.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
        skipped = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)
        with_code = {line for token in tokens if token.type not in skipped
                     for line in range(token.start[0], token.end[0] + 1)}
        lines += source.count("\n")
        code += len(with_code - _docstring_lines(tokens))
    return {"lines": lines, "code": code}


def size_target(folder: Path = ROOT / "validators") -> dict:
    """The target as the benchmark's table shows it, judged on lines of code (lines shown beside them)."""
    now = count(folder)
    bound = {k: BEFORE[k] - LARGE_TABLE_ENGINE[k] for k in ("lines", "code")}
    return {"target": f"validators/ smaller than at {BEFORE['commit']} ({BEFORE['code']:,} lines of code) by at least "
                      f"the large-table engine ({LARGE_TABLE_ENGINE['code']})",
            "value": f"{now['code']:,} lines of code, bound {bound['code']:,} ({now['lines']:,} lines in all, bound "
                     f"{bound['lines']:,})",
            "status": "met" if now["code"] <= bound["code"] else "not met", "measured": now}


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "validators"
    print(count(folder) if len(sys.argv) > 1 else size_target(folder))
