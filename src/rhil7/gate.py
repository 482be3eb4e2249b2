"""The one rule every producing command follows: nothing is built from a package that does not validate."""
from __future__ import annotations

from pathlib import Path
from typing import Callable


def require_valid(package_dir: Path, refusal: type[Exception], progress: Callable[[str], None] = lambda m: None) -> None:
    """Raise ``refusal`` (with a message that says what to run) unless the package validates clean."""
    from rhil7.core.problems import printable
    from rhil7.validators.run import validate_package
    from rhil7.core.safe_reader import UnreadableInput

    progress("validating the package")
    try:
        problems = validate_package(Path(package_dir))
    except UnreadableInput as exc:
        raise refusal(str(exc)) from None
    if problems:
        first = min(problems, key=lambda p: p.sort_key())
        where = printable(first.file) + (f", row {first.row}" if first.row is not None else "") + \
            (f", field {printable(first.field)}" if first.field else "")
        raise refusal(f"the package is invalid ({len(problems)} problem(s); the first: {where}: [{first.code}]); "
                      "run `rhil7 validate` to see them all")
