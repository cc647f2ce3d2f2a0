"""Sweep the output-safety classes of issue 16 with generated hostile inputs: personal data
written the ways people write it (must be masked), near misses (must stay as they are), CSV
cells that start a formula, and text with control and bidirectional characters. Prints, per
class, how many inputs were tried and handled, and the first few that were not.

    python benchmarks/sweep_privacy.py            # 300 inputs per class, seed 1
    python benchmarks/sweep_privacy.py -n 2000 --seed 7
"""

from __future__ import annotations

import argparse
import random
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
from openpyxl import Workbook, load_workbook

from qa_toolkit.atomic import write_frame
from qa_toolkit.excel import FORMULA_PREFIXES, csv_restore, write_cell
from qa_toolkit.privacy import mask_text
from qa_toolkit.problems import Problem
from qa_toolkit.report.html import shown

SEPARATORS = [" ", "  ", "-", ".", "_", "/", "\t", "—", "——", "–", "·", "\u3000", "\u00a0", "－", "．", "＿", "\u200b",
              "\u00ad", "\u2060", "\ufeff"]
BEFORE = ["", "我的", "客户说", "您好，", "请核对：", "Hi, my ", "好的，", "（", "【"]
AFTER = ["", "，谢谢", "。", " thanks", "）", "】", "，麻烦尽快处理"]
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
PROVINCES = "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65".split()
NUMERALS = {"0": "〇零", "1": "一幺壹", "2": "二贰", "3": "三叁", "4": "四肆", "5": "五伍", "6": "六陆", "7": "七柒",
            "8": "八捌", "9": "九玖"}


def _grouped(rng: random.Random, digits: str) -> str:
    """``digits`` in random groups with one random separator (or none)."""
    if rng.random() < 0.3:
        return digits
    sep, out, pos = rng.choice(SEPARATORS), [], 0
    while pos < len(digits):
        size = rng.choice([2, 3, 4, 4, 6, 8])
        out.append(digits[pos:pos + size])
        pos += size
    return sep.join(out)


def _written(rng: random.Random, digits: str) -> str:
    text = _grouped(rng, digits)
    return text.translate(FULL_WIDTH) if rng.random() < 0.15 else text


def _hidden(text: str, secret: str) -> bool:
    """The masked text no longer holds ``secret`` (letters and digits compared only)."""
    plain = lambda s: "".join(c for c in s.translate(str.maketrans("０１２３４５６７８９", "0123456789"))  # noqa: E731
                              if c.isalnum())
    return plain(secret) not in plain(mask_text(text))


def _id_number(rng: random.Random) -> str:
    body = f"{rng.choice(PROVINCES)}{rng.randrange(100, 10000):04d}{rng.randrange(1900, 2025)}" \
           f"{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}{rng.randrange(1000):03d}"
    check = (1 - 2 * int(body, 13)) % 11
    return body + ("X" if check == 10 else str(check))


def _luhn(body: str) -> str:
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


def leaks(rng: random.Random) -> Iterator[tuple[str, str, str]]:
    """(class, text, secret) of personal data that must be masked."""
    while True:
        mobile = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        if rng.random() < 0.15:
            spelt = "".join(rng.choice(NUMERALS[d]) for d in mobile)
            text = spelt if rng.random() < 0.5 else " ".join((spelt[:3], spelt[3:7], spelt[7:]))
        else:
            text = rng.choice(["", "+86 ", "+86-", "86"]) + _written(rng, mobile)
        yield "5 mobile", f"{rng.choice(BEFORE)}{rng.choice(['', '手机', '电话：', 'tel '])}{text}{rng.choice(AFTER)}", mobile
        number = _id_number(rng)
        yield "4 id_number", f"{rng.choice(BEFORE)}身份证{_written(rng, number.lower() if rng.random() < 0.2 else number)}" \
                             f"{rng.choice(AFTER)}", number
        card = _luhn(rng.choice(["9558", "6222", "6228", "4111", "5210", "6212"]) +
                     "".join(rng.choice("0123456789") for _ in range(rng.randrange(11, 15))))
        word = rng.choice(["卡号", "银行卡", "账号", "帐号", "工行卡", "建行卡", "信用卡", "储蓄卡", "card no.", "Account"])
        filler = rng.choice(["", "：", "是招商银行的，", "（刚在手机银行里查过，应该没错）就是 "])
        yield "6 bank_card", f"{rng.choice(BEFORE)}{word}{filler}{_written(rng, card)}{rng.choice(AFTER)}", card
        house = rng.choice([str(rng.randrange(1, 999)), "八十八", "十一", "一百零五", f"{rng.randrange(1, 99)}-{rng.randrange(1, 9)}"])
        city = rng.choice(["", "上海市", "杭州市", "广东省深圳市", "北京市朝阳区", "成都市武侯区", "某某县"])
        address = rng.choice([f"{city}{rng.choice(['张江', '文一西', '人民', '中山北', '科技'])}{rng.choice(['路', '大道', '街'])}{house}号",
                              f"{city}{rng.choice(['忠孝东路', '长乐路'])}{rng.choice(['四段', '100弄', '3巷'])}{house}号",
                              f"{city}{rng.choice(['阳光', '万科城市', '绿城桂', '华星时代'])}{rng.choice(['小区', '花园', '公寓', '广场'])}"
                              f"{rng.randrange(1, 30)}{rng.choice(['栋', '号楼', '幢', '座'])}{rng.randrange(1, 6)}单元{rng.randrange(101, 2999)}",
                              f"{city}{rng.choice(['李庄', '张家', '王家'])}村{rng.choice(['五', '3', '十二'])}组{house}号",
                              f"{city}{rng.choice(['阳光', '万科'])}{rng.choice(['小区', '花园'])}{rng.randrange(1, 30)}-"
                              f"{rng.randrange(1, 6)}-{rng.randrange(101, 2999)}",
                              f"{city}{rng.choice(['文三', '人民'])}路 {rng.randrange(1, 999)} 号"])
        yield "7 address", f"{rng.choice(['请寄到', '地址：', '我住在', '收货地址是', ''])}{address}{rng.choice(AFTER)}", \
            address[len(city):]
        local = rng.choice(["zhang.san", "李四", "wang_5", "客服"])
        domain = rng.choice(["example.com", "例子.中国", "公司.网络", "mail.example.org", "qq.com"])
        yield "8 email", f"{rng.choice(['邮箱是', '发到 ', 'mail: ', ''])}{local}@{domain}{rng.choice(AFTER)}", local[1:] + "@"
        account = rng.choice([f"wx_{rng.randrange(10**5, 10**7)}", f"zhang{rng.randrange(100, 9999)}", f"abc_{rng.randrange(10, 99)}x"])
        yield "8 wechat", f"{rng.choice(['加我微信', 'vx: ', '微信号：', 'V信 ', '加V ', 'WeChat '])}{account}" \
                          f"{rng.choice(AFTER)}", account[1:]
        qq = str(rng.randrange(10**4, 10**10))
        yield "8 qq", f"{rng.choice(['加我QQ ', 'QQ：', 'qq号', '扣扣 '])}{qq}{rng.choice(AFTER)}", qq[1:]


def near_misses(rng: random.Random) -> Iterator[tuple[str, str, str]]:
    """(class, text, '') that hold no personal data and must come out unchanged."""
    while True:
        order = f"{rng.choice(['26', '25', '20'])}{rng.randrange(10**13, 10**14)}"
        yield "near miss", f"订单号{order}{rng.choice(AFTER)}", ""
        yield "near miss", f"订单 {' '.join(order[i:i + 4] for i in range(0, len(order), 4))} 已发货", ""
        prices = " ".join(f"{rng.randrange(1, 200)}.{rng.randrange(10, 99)}" for _ in range(rng.randrange(3, 6)))
        yield "near miss", f"单价 {prices} 元", ""
        yield "near miss", f"{rng.randrange(2020, 2027)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d} " \
                           f"{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d} 发货", ""
        yield "near miss", rng.choice(["我知道3号发货", "地铁1号线", "您3号到货", "WeChat payment is fine", "微信支付已退款",
                                       "QQ群已经满了", "加个微信吧", "通道2号门", "第1380号", "尾号5678"]), ""


def csv_cells(rng: random.Random) -> Iterator[str]:
    pieces = ["'", "=", "+", "-", "@", "\t", "\r", "\n", "=HYPERLINK(\"http://x\",\"点我\")", "cmd|' /C calc'!A0",
              "a", "1", "中", " ", ","]
    while True:
        yield "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 6)))


def display_cells(rng: random.Random) -> Iterator[str]:
    bad = [chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), 0xD800, 0xDFFF, 0xFFFE, 0xFFFF,
                            *range(0x202A, 0x202F), *range(0x2066, 0x206A)]]
    while True:
        yield "".join(rng.choice(bad + ["A016", "客服", "=x", " "]) for _ in range(rng.randrange(1, 6)))


def sweep(n: int, seed: int) -> dict[str, tuple[int, int, list[str]]]:
    rng = random.Random(seed)
    tally: dict[str, list] = {}

    def count(cls: str, ok: bool, example: str) -> None:
        tried, handled, failed = tally.setdefault(cls, [0, 0, []])
        tally[cls][0], tally[cls][1] = tried + 1, handled + ok
        if not ok and len(failed) < 5:
            failed.append(ascii(example))

    gen = leaks(rng)
    for _ in range(n * 7):
        cls, text, secret = next(gen)
        count(cls, _hidden(text, secret), text)
    gen = near_misses(rng)
    for _ in range(n):
        cls, text, _ = next(gen)
        count(cls, mask_text(text) == text, f"{text} -> {mask_text(text)}")
    for _ in range(n):
        cls, text, secret = next(leaks(rng))
        message = str(Problem("data.jsonl", f"csat '{text}' is outside 1..5", line=2, field="csat"))
        count("10 problem message", _hidden(message, secret), message)
    with tempfile.TemporaryDirectory() as tmp:
        cells = [next(csv_cells(rng)) for _ in range(n)]
        path = write_frame(pd.DataFrame({"text": cells, "ids": [[c, "x"] for c in cells]}), Path(tmp) / "c.csv")
        raw = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
        back = csv_restore(raw)
        for cell, written, read in zip(cells, raw["text"], back["text"]):
            count("12 csv cell", not written.startswith(FORMULA_PREFIXES) and read == cell,
                  f"{cell!r} -> {written!r} -> {read!r}")
        texts = [next(display_cells(rng)) for _ in range(n)]
        wb = Workbook()
        for i, text in enumerate(texts, start=1):
            write_cell(wb.active, i, 1, text)
        wb.save(Path(tmp) / "d.xlsx")
        with zipfile.ZipFile(Path(tmp) / "d.xlsx") as z:
            parts_ok = all(_well_formed(z.read(p)) for p in z.namelist() if p.endswith(".xml"))
        stored = [c.value for c in load_workbook(Path(tmp) / "d.xlsx").active["A"]]
        for text, value in zip(texts, stored):
            count("11 workbook cell", parts_ok and value is not None and _clean(value), ascii(text))
            count("33 html text", _clean(str(shown(text))), ascii(text))
    return {k: (v[0], v[1], v[2]) for k, v in tally.items()}


def _well_formed(xml: bytes) -> bool:
    try:
        ElementTree.fromstring(xml)
    except ElementTree.ParseError:
        return False
    return True


def _clean(text: str) -> bool:
    return not any(ord(c) < 32 and c not in "\t\n\r" or 0xD800 <= ord(c) <= 0xDFFF or c in "\ufffe\uffff"
                   or 0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069 for c in text)


def main(argv: list[str] | None = None, report: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=300, help="inputs per class")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    results = sweep(args.n, args.seed)
    tried = handled = 0
    for cls, (t, h, failed) in sorted(results.items()):
        tried, handled = tried + t, handled + h
        report(f"{cls:<22} tried {t:6}  handled {h:6}" + ("" if t == h else f"  e.g. {failed}"))
    report(f"{'total':<22} tried {tried:6}  handled {handled:6}")
    return 0 if tried == handled else 1


if __name__ == "__main__":
    raise SystemExit(main())
