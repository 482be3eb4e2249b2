"""frictionless checks the descriptor against the Data Package standard (its profiles, offline).

Only what the untrusted-input checks let through reaches it: the package's own properties without a
custom profile (references.py reports those) and the resources that passed check_resource. The rows
themselves are checked by csv_reading.py and table_checks.py; frictionless stays in the tests as the
reference those are held to.
"""

from __future__ import annotations

import copy

from rhil7.core.problems import Problem
from rhil7.core.references import custom_profile


class _NoNetwork:
    """Stands in for frictionless' requests session: the last line of defence against a download."""

    headers: dict = {}

    def __getattr__(self, name):
        def refuse(*args, **kwargs):
            raise ConnectionError("validation never opens a network connection")

        return refuse


def descriptor_standard_problems(descriptor: dict, resources: list[dict]) -> list[Problem]:
    """The Data Package standard's verdict on ``descriptor`` with only ``resources`` (already found safe)."""
    from frictionless import Package, system  # lazy: frictionless costs start-up time

    cleaned = copy.deepcopy(
        {
            k: v
            for k, v in descriptor.items()
            if k != "resources" and not (k in ("profile", "$schema") and custom_profile(v))
        }
    )
    cleaned["resources"] = copy.deepcopy(resources)
    with system.use_context(trusted=False, http_session=_NoNetwork()):
        try:
            report = Package.validate_descriptor(cleaned)
        except Exception as exc:  # frictionless raises FrictionlessException on a descriptor it cannot load
            error = getattr(exc, "error", None)
            return [
                Problem(
                    "datapackage.json",
                    None,
                    None,
                    "descriptor-error",
                    "a valid Data Package descriptor",
                    getattr(error, "note", None) or str(exc),
                    "The descriptor does not follow the Data Package standard.",
                    "structure",
                )
            ]
    return [
        Problem(
            "datapackage.json",
            None,
            None,
            getattr(error, "type", "error"),
            "a valid Data Package descriptor",
            getattr(error, "note", str(error)),
            getattr(error, "title", "descriptor problem"),
            "structure",
        )
        for error in report.errors
    ]
