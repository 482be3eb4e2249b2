"""rhIL-7 (CYT107) lymphopenia trials: data package, validation, SQL and reproduction."""

# The package's version, written once in the code; `rhil7 release` checks that pyproject.toml, datapackage.json,
# CITATION.cff and CHANGELOG.md say the same (metadata of an editable install would lag behind an edit).
__version__ = "0.2.0"


def load(package_dir=None):
    """The package's tables as pandas DataFrames and a DuckDB connection with the views.

    >>> import rhil7
    >>> pkg = rhil7.load()            # this repository, found from the working directory
    >>> pkg.tables["studies"].shape   # doctest: +SKIP
    """
    from .loading import load_package  # deferred: pandas and DuckDB, kept out of every `import rhil7`

    return load_package(package_dir)
