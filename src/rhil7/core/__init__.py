"""The base of rhil7: what every command stands on and what imports nothing above it.

problems (the record every check returns), limits, the safe reader (``safe_reader``: the one way a package's
bytes are read) with its byte scan and reference checks, the vocabulary (the project's words and constants),
the database connection and SQL quoting, output paths, and CSV records. ``tests/test_layers.py`` holds the line:
no module here imports rhil7.validators, rhil7.analysis or a command module.
"""
