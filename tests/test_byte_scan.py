"""The byte scan reads a file a chunk at a time: what it finds may not depend on where the chunks end."""

import pytest

from rhil7.core import byte_scan
from rhil7.core.byte_scan import ByteScan, line_breaks, scan_bytes

BODIES = {
    "lf": (b"a,b\n1,2\n\n3,4\n", ByteScan(lines=4, stray=None, controlled=False, blank=[3])),
    "crlf": (b"a,b\r\n1,2\r\n\r\n3,4\r\n", ByteScan(lines=4, stray=None, controlled=False, blank=[3])),
    "lone cr": (b"a,b\r1,2\r\r3,4", ByteScan(lines=3, stray=None, controlled=False, blank=[3])),
    "stray quote": (b'a,b\n1,x"y"\n2,"ok"\n', ByteScan(lines=3, stray=7, controlled=False, blank=[], quotes=4)),
    "doubled quote": (b'a,b\n1,"say ""hi"""\n', ByteScan(lines=2, stray=None, controlled=False, blank=[], quotes=6)),
    "open quote": (b'a,b\n1,"never closed\n', ByteScan(lines=2, stray=None, controlled=False, blank=[], quotes=1)),
    "control": (b"a,b\n1,\x1b[2J\n2,\ttab\n", ByteScan(lines=3, stray=None, controlled=True, blank=[])),
    "tab only": (b"a,b\n1,\tx\n", ByteScan(lines=2, stray=None, controlled=False, blank=[])),
    # an empty line inside a quoted cell is part of the record, not a blank row; the blank line after it is one
    "quoted line breaks": (
        b'a,b\n1,"x\n\ny"\n\n2,z\n',
        ByteScan(lines=6, stray=None, controlled=False, blank=[5], quotes=2),
    ),
    "quoted crlf": (b'a,b\r\n1,"x\r\ny"\r\n', ByteScan(lines=3, stray=None, controlled=False, blank=[], quotes=2)),
}
# the line ends inside a quoted cell (their index among the line ends), where a body has any
SPANNING = {"open quote": [1], "quoted line breaks": [1, 2], "quoted crlf": [1]}


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 1 << 20])
@pytest.mark.parametrize("name", BODIES)
def test_every_chunk_size_finds_the_same(monkeypatch, name, chunk):
    body, expected = BODIES[name]
    monkeypatch.setattr(byte_scan, "_CHUNK", chunk)
    scan = scan_bytes(body, max_lines=100)
    assert scan == expected
    assert scan.spanning.tolist() == SPANNING.get(name, [])
    assert line_breaks(body) == expected.lines


def test_quoting_is_broken_by_a_stray_or_an_unclosed_quote():
    assert [name for name, (_, scan) in BODIES.items() if scan.quoting_broken] == ["stray quote", "open quote"]


@pytest.mark.parametrize("chunk", [2, 1 << 20])
def test_a_file_over_the_line_limit_is_not_scanned_further(monkeypatch, chunk):
    monkeypatch.setattr(byte_scan, "_CHUNK", chunk)
    assert scan_bytes(b"a\n" * 10, max_lines=10) is not None
    assert scan_bytes(b"a\n" * 11, max_lines=10) is None
    assert scan_bytes(b"\r\n" * 11, max_lines=10) is None
    assert scan_bytes(b"\n" * 1000, max_lines=10) is None


@pytest.mark.parametrize("piece", [1, 2, 3, 7, 1 << 20])
def test_utf8_is_judged_alike_whatever_the_pieces(monkeypatch, piece):
    from rhil7.core import safe_reader as untrusted

    monkeypatch.setattr(untrusted, "_DECODED", piece)
    good = "a,b\n1,µ\n2,日本\n3,😀\n".encode()
    assert untrusted._first_bad_utf8(memoryview(good)) is None
    bad = good + b"4,\xff\n"
    assert untrusted._first_bad_utf8(memoryview(bad)) == (len(good) + 2, 5)
    cut = good + "é".encode()[:1]  # a character cut off at the end of the file
    assert untrusted._first_bad_utf8(memoryview(cut)) == (len(good), 5)
