"""The whole-file UTF-8 check (Arrow, block by block) agrees with Python's strict decoder,
whatever block boundaries cut through multi-byte characters."""

import random

import pytest

from qa_toolkit.io.encoding import detect_encoding, is_utf8

ALPHABET = ["a", "\n", "中", "é", "😀", "𠮷", "䶮"]


@pytest.mark.parametrize("seed", range(60))
def test_is_utf8_equals_strict_decoding(tmp_path, seed):
    rng = random.Random(seed)
    data = bytearray("".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40))).encode())
    if data and seed % 2:  # corrupt a byte or cut the last character
        if seed % 4 == 1:
            data[rng.randrange(len(data))] = rng.randrange(256)
        else:
            del data[-1]
    path = tmp_path / "x.jsonl"
    path.write_bytes(bytes(data))
    try:
        bytes(data).decode("utf-8")
        want = True
    except UnicodeDecodeError:
        want = False
    assert [is_utf8(path, block=b) for b in (1, 4, 5, 7, 64, 1 << 20)] == [want] * 6


def test_gb18030_is_not_utf8_and_is_detected(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes(("会话ID,内容\n" * 1000).encode("gb18030"))
    assert not is_utf8(path) and detect_encoding(path).name == "gb18030"


@pytest.mark.parametrize(
    "raw", [b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80", b"\xef\xbf\xbf", b"\xf0\x9f\x98\x80"]
)
def test_surrogates_overlongs_and_out_of_range_as_python_decides(tmp_path, raw):
    path = tmp_path / "x.bin"
    path.write_bytes(b"a" + raw + b"b")
    try:
        raw.decode("utf-8")
        want = True
    except UnicodeDecodeError:
        want = False
    assert is_utf8(path) is want
