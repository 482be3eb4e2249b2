"""The descriptor's own shape: every part the validator reads has the type it must have.

A contributed datapackage.json is data. A field name that is not a string, ``constraints`` written as a
list, a ``pattern`` that is no regular expression or a foreign key given as a string is reported where it
is (file, JSON pointer, what was expected), and its resource is not read any further; no reader downstream
ever trips on it. Names are also restricted to lower-case identifiers: they become SQL identifiers, file
names and column headers, and a name such as ``x" VARCHAR); COPY ...`` must never reach a query.
"""

from __future__ import annotations

import re

from rhil7.core.limits import Limits
from rhil7.core.problems import Problem, descriptor_problem as _problem
from rhil7.core.safe_reader import too_deep  # noqa: F401  (where validators/run.py finds it)

SAFE_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")
FIELD_TYPES = ("string", "integer", "number", "date")
# what each constraint's value must be (JSON types), as the Table Schema standard says
_NUMBER = (int, float)
CONSTRAINT_TYPES = {
    "required": (bool,),
    "unique": (bool,),
    "enum": (list,),
    "pattern": (str,),
    "minimum": _NUMBER + (str,),
    "maximum": _NUMBER + (str,),
    "exclusiveMinimum": _NUMBER + (str,),
    "exclusiveMaximum": _NUMBER + (str,),
    "minLength": (int,),
    "maxLength": (int,),
}
# Table Schema properties the engine does not implement: refused by name, never silently ignored (a field's
# format other than "default", number and boolean notation, missing values other than the empty cell, the
# exclusive bounds)
UNSUPPORTED_FIELD = ("decimalChar", "groupChar", "bareNumber", "trueValues", "falseValues", "missingValues")
UNSUPPORTED_CONSTRAINTS = ("exclusiveMinimum", "exclusiveMaximum")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_JSON_NAMES = {
    dict: "an object",
    list: "a list",
    str: "a string",
    bool: "true or false",
    int: "an integer",
    float: "a number",
    type(None): "null",
}


def _kind(value) -> str:
    return _JSON_NAMES.get(type(value), type(value).__name__)


def _shown(value) -> str:
    text = repr(value) if isinstance(value, str) else _kind(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _name_problem(value, pointer: str, what: str) -> Problem | None:
    if isinstance(value, str) and SAFE_NAME.fullmatch(value):
        return None
    return _problem(
        pointer,
        "unsafe-name",
        "a name of lower-case letters, digits and _ starting with a letter (at most 63 characters)",
        _shown(value),
        f"The {what} name is not a plain identifier; names become column headers and SQL identifiers.",
    )


def _as_names(value) -> list | None:
    """A key's field names (a string or a list of strings), or None when it is neither."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return value
    return None


def descriptor_problems(descriptor: dict, limits: Limits) -> tuple[list[Problem], set[int]]:
    """The shape problems of ``descriptor`` and the positions of the resources too malformed to read."""
    problems: list[Problem] = []
    broken: set[int] = set()
    names = {}
    for i, resource in enumerate(descriptor["resources"]):
        if not isinstance(resource, dict):
            problems.append(
                _problem(
                    f"/resources/{i}",
                    "bad-resource",
                    "a resource object",
                    _shown(resource),
                    "Each resource must be a JSON object.",
                )
            )
            broken.add(i)
            continue
        name_problem = _name_problem(resource.get("name"), f"/resources/{i}/name", "resource")
        if name_problem is not None:
            problems.append(name_problem)
            broken.add(i)
        elif resource["name"] in names:
            problems.append(
                _problem(
                    f"/resources/{i}/name",
                    "duplicate-name",
                    "a resource name used once",
                    repr(resource["name"]),
                    "Two resources have the same name.",
                )
            )
            broken.add(i)
        else:
            names[resource["name"]] = i
    for i, resource in enumerate(descriptor["resources"]):
        if i in broken:
            continue
        if isinstance(resource.get("schema"), dict):
            found = _schema_problems(resource["schema"], f"/resources/{i}/schema", set(names), limits)
        else:  # (a schema given by URL or file name is references.py's problem)
            found = (
                []
                if "schema" in resource or "path" not in resource
                else [
                    _problem(
                        f"/resources/{i}",
                        "bad-schema",
                        "an inline Table Schema ('schema' object)",
                        "no schema",
                        "Every table needs its Table Schema.",
                    )
                ]
            )
        if found:
            problems += found
            broken.add(i)
    return problems, broken


def _schema_problems(schema: dict, at: str, resource_names: set[str], limits: Limits) -> list[Problem]:
    fields = schema.get("fields")
    if not isinstance(fields, list) or not fields:
        return [
            _problem(
                f"{at}/fields",
                "bad-schema",
                "a non-empty list of field objects",
                _shown(fields),
                "A Table Schema lists its fields.",
            )
        ]
    if len(fields) > limits.max_fields:
        return [
            _problem(
                f"{at}/fields",
                "too-many-fields",
                f"at most {limits.max_fields} fields",
                f"{len(fields)} fields",
                "The Table Schema has more fields than the validator accepts.",
            )
        ]
    problems: list[Problem] = []
    seen: set[str] = set()
    for j, field in enumerate(fields):
        pointer = f"{at}/fields/{j}"
        if not isinstance(field, dict):
            problems.append(
                _problem(pointer, "bad-schema", "a field object", _shown(field), "Each field is a JSON object.")
            )
            continue
        name = field.get("name")
        name_problem = _name_problem(name, f"{pointer}/name", "field")
        if name_problem is not None:
            problems.append(name_problem)
            continue
        if name in seen:
            problems.append(
                _problem(
                    f"{pointer}/name",
                    "duplicate-name",
                    "a field name used once in the table",
                    repr(name),
                    "Two fields of the table have the same name.",
                    name,
                )
            )
        seen.add(name)
        problems += _field_problems(field, pointer, name)
    if "primaryKey" in schema and not set(_as_names(schema["primaryKey"]) or [None]) <= seen:
        problems.append(
            _problem(
                f"{at}/primaryKey",
                "bad-primary-key",
                "a field name of this table, or a list of them",
                _shown(schema["primaryKey"]),
                "The primary key must name fields of the table.",
            )
        )
    if "missingValues" in schema and not (
        isinstance(schema["missingValues"], list) and all(isinstance(v, str) for v in schema["missingValues"])
    ):
        problems.append(
            _problem(
                f"{at}/missingValues",
                "bad-schema",
                "a list of strings",
                _shown(schema["missingValues"]),
                "missingValues lists the texts that stand for a missing value.",
            )
        )
    elif schema.get("missingValues", [""]) != [""]:  # (the engine reads only an empty cell as missing)
        problems += _unsupported(["missingValues"], at, None)
    foreign_keys = schema.get("foreignKeys", [])
    if not isinstance(foreign_keys, list):
        problems.append(
            _problem(
                f"{at}/foreignKeys",
                "bad-foreign-key",
                "a list of foreign-key objects",
                _shown(foreign_keys),
                "foreignKeys is a list.",
            )
        )
        foreign_keys = []
    for k, fk in enumerate(foreign_keys):
        problems += _foreign_key_problems(fk, f"{at}/foreignKeys/{k}", seen, resource_names)
    return problems


def _field_problems(field: dict, pointer: str, name: str) -> list[Problem]:
    problems = []
    type_ = field.get("type", "string")
    if type_ not in FIELD_TYPES:
        problems.append(
            _problem(
                f"{pointer}/type",
                "bad-field-type",
                "one of " + ", ".join(FIELD_TYPES),
                _shown(type_),
                "The field's type is not one the validator reads.",
                name,
            )
        )
    problems += _unsupported(
        [k for k in UNSUPPORTED_FIELD if k in field]
        + (["format"] if field.get("format", "default") != "default" else []),
        pointer,
        name,
    )
    constraints = field.get("constraints", {})
    if not isinstance(constraints, dict):
        return problems + [
            _problem(
                f"{pointer}/constraints",
                "bad-constraint",
                "an object of constraints",
                _shown(constraints),
                "constraints is a JSON object.",
                name,
            )
        ]
    for key, value in constraints.items():
        allowed = CONSTRAINT_TYPES.get(key)
        at = f"{pointer}/constraints/{_escape(key)}"
        if allowed is None:
            problems.append(
                _problem(
                    at,
                    "bad-constraint",
                    "one of " + ", ".join(CONSTRAINT_TYPES),
                    repr(key)[:80],
                    "The constraint is not a Table Schema constraint.",
                    name,
                )
            )
        elif not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
            problems.append(
                _problem(
                    at,
                    "bad-constraint",
                    " or ".join(_JSON_NAMES[t] for t in allowed),
                    _shown(value),
                    f"The '{key}' constraint has a value of the wrong kind.",
                    name,
                )
            )
        elif key == "pattern":
            try:
                re.compile(value)
            except (re.error, RecursionError, OverflowError) as exc:
                problems.append(
                    _problem(
                        at,
                        "bad-pattern",
                        "a regular expression",
                        f"{_shown(value)} ({exc})"[:160],
                        "The pattern is not a valid regular expression.",
                        name,
                    )
                )
        elif key in UNSUPPORTED_CONSTRAINTS:
            problems += _unsupported([key], f"{pointer}/constraints", name)
        elif key in ("minimum", "maximum") and not _bound_of_type(value, type_):
            problems.append(
                _problem(
                    at,
                    "bad-constraint",
                    "a number" if type_ != "date" else "a date (YYYY-MM-DD)",
                    _shown(value),
                    f"The '{key}' constraint is not a value of the field's type ({type_}).",
                    name,
                )
            )
        elif key == "enum" and not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
            problems.append(
                _problem(
                    at,
                    "bad-constraint",
                    "a list of values (strings or numbers)",
                    _shown(value),
                    "enum lists the values the field may take.",
                    name,
                )
            )
    return problems


def _bound_of_type(value, type_: str) -> bool:
    """Whether ``value`` can bound a field of ``type_`` (a number for numbers, a YYYY-MM-DD date for dates)."""
    if type_ == "date":
        return isinstance(value, str) and _DATE.fullmatch(value) is not None
    return type_ in ("integer", "number") and isinstance(value, (int, float)) and not isinstance(value, bool)


def _unsupported(keys: list[str], pointer: str, name: str | None) -> list[Problem]:
    return [
        _problem(
            f"{pointer}/{_escape(key)}",
            "unsupported-property",
            "a Table Schema property the validator implements",
            key,
            f"'{key}' is not implemented by the validator, so the rows would not be checked as it says; remove it.",
            name,
        )
        for key in keys
    ]


def _foreign_key_problems(fk, pointer: str, own_fields: set[str], resource_names: set[str]) -> list[Problem]:
    expected = 'an object: {"fields": [...], "reference": {"resource": "...", "fields": [...]}}'
    reference = fk.get("reference") if isinstance(fk, dict) else None
    fields = _as_names(fk.get("fields")) if isinstance(fk, dict) else None
    ref_fields = _as_names(reference.get("fields")) if isinstance(reference, dict) else None
    target = reference.get("resource", "") if isinstance(reference, dict) else None
    if fields is None or ref_fields is None or not isinstance(target, str) or len(fields) != len(ref_fields):
        return [_problem(pointer, "bad-foreign-key", expected, _shown(fk), "The foreign key is malformed.")]
    if not set(fields) <= own_fields:
        return [
            _problem(
                f"{pointer}/fields",
                "bad-foreign-key",
                "fields of this table",
                _shown(fk["fields"]),
                "The foreign key names a field the table does not have.",
            )
        ]
    if target and target not in resource_names:
        return [
            _problem(
                f"{pointer}/reference/resource",
                "foreign-key-target-missing",
                "the name of a resource of this package",
                repr(target)[:80],
                "The foreign key refers to a table the package does not have; its rows could not be checked.",
            )
        ]
    return []
