"""The vectorized CSV scan (large files) agrees with the record-by-record scanner on every input."""
import csv
import io
import random

import pytest

import numpy as np

from rhil7.validators.csv_syntax import QUOTE, _quotes_well_placed, scan, scan_bytes
from test_invalid_corpus import CASES, _build

ALPHABET = ['a', 'é', ',', '"', '""', '\n', '\r', '\r\n', ' ']


def _agree(text: str) -> None:
    exact, fast = scan(text), scan_bytes(text.encode("utf-8"))
    codes = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    # the fast judgement itself, not only its outcome (a wrong "broken" would hide behind the exact fallback)
    assert _quotes_well_placed(codes, np.flatnonzero(codes == QUOTE)) == (exact.error is None), text
    assert fast.error == exact.error, text
    assert fast.record_lines == exact.record_lines, text
    if exact.error is None:  # the flag that lets Arrow split records at every line break must never be wrong
        cells = [cell for record in csv.reader(io.StringIO(text, newline="")) for cell in record]
        assert fast.breaks_inside_fields == any("\n" in c or "\r" in c for c in cells), text


@pytest.mark.parametrize("seed", range(20))
def test_random_texts(seed):
    rng = random.Random(seed)
    for _ in range(500):
        _agree("".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 25))))


@pytest.mark.parametrize("text", [
    "", "a", "a\n", "\n\n", '"a,b",c\nd,"e\nf"\n', '"a""b",c\r\nd,e', 'a"b,c\n', '"a"b,c\n', '"open\n',
    'x,"\r\n"\r\ny', '"",""\n', 'a,b,\n', '"a"\r', 'a\rb\r\nc\n', '"a",b\n"c"', '"a""\n',
])
def test_known_texts(text):
    _agree(text)


def test_a_quoting_error_is_the_exact_scanners():
    fast = scan_bytes(b'id,snippet\n1,"fine"\n2,Abstract "quoted" here\n')
    assert fast.error is not None and (fast.error.row, fast.error.line, fast.error.column) == (3, 3, 1)


@pytest.mark.parametrize("case", [c for c in CASES if not c.unreadable], ids=lambda c: c.id)
def test_every_corpus_table(case, tmp_path):
    package, _ = _build(case, tmp_path)
    for path in sorted((package / "tables").glob("*.csv")):
        data = path.read_bytes()
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        _agree(text)
