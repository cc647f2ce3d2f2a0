"""Personal-data detection and masking: what the pii check flags is what reports hide."""

import pandas as pd
import pytest

from qa_toolkit.privacy import find_pii, mask_series, mask_text, mask_value

VALID_ID = "11010519491231002X"  # GB 11643 sample number with a valid check digit
INVALID_ID = "110105194912310021"
VALID_CARD = "6222020200112233446"  # Luhn-valid, 19 digits


def kinds(text):
    return [m.kind for m in find_pii(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("您的手机号13812345678已登记", ["mobile"]),
        ("call me at +86 138-1234-5678 please", ["mobile"]),
        ("全角号码１３８１２３４５６７８", ["mobile"]),
        (f"身份证号{VALID_ID}", ["id_number"]),
        (f"银行卡号{VALID_CARD}", ["bank_card"]),
        ("card 6222 0202 0011 2233 446", ["bank_card"]),
        ("邮箱 zhang.san@example.com", ["email"]),
        ("寄到上海市浦东新区张江路88号3栋201室", ["address"]),
        ("订单号 202611240013812345678 已发货", []),  # mobile-looking digits inside an order number
        (f"订单{VALID_CARD}", []),  # Luhn-valid but no card context or grouping: an order number
        (f"身份证号{INVALID_ID}", []),  # bad check digit
        ("您好，很高兴为您服务", []),
        (None, []),
    ],
)
def test_find_pii_kinds(text, expected):
    assert kinds(text) == expected


def test_offsets_point_into_original_text():
    text = "号码是１３８１２３４５６７８，谢谢"
    (m,) = find_pii(text)
    assert text[m.start : m.end] == "１３８１２３４５６７８"
    assert m.masked == "138****5678"


def test_mask_formats():
    assert mask_value("mobile", "+86 138-1234-5678") == "138****5678"
    assert mask_value("id_number", VALID_ID) == "110105********002X"
    assert mask_value("bank_card", VALID_CARD) == "622202*********3446"
    assert mask_value("email", "zhang.san@example.com") == "z***@example.com"
    assert mask_value("address", "上海市浦东新区张江路88号3栋201室") == "上海市浦东新区****"


def test_mask_text_replaces_every_match_and_keeps_the_rest():
    text = f"手机13812345678，身份证{VALID_ID}，邮箱a@b.cn"
    assert mask_text(text) == "手机138****5678，身份证110105********002X，邮箱a***@b.cn"
    assert mask_text("没有个人信息") == "没有个人信息"
    assert mask_text(None) is None


def test_mask_series_matches_mask_text_and_keeps_missing():
    s = pd.Series(["tel 13912345678", "你好", None, "x@y.com"], dtype="string")
    out = mask_series(s)
    assert out.tolist()[0] == "tel 139****5678"
    assert out.tolist()[1] == "你好"
    assert pd.isna(out.tolist()[2])
    assert out.tolist()[3] == "x***@y.com"


# --- issue 16: every class of leak, in the forms people write it --------------------------------
def _id(first17: str) -> str:
    from stdnum.cn import ric

    return first17 + ric.calc_check_digit(first17 + "0")


def _grouped(number: str, sizes, sep: str) -> str:
    out, pos = [], 0
    for size in sizes:
        out.append(number[pos : pos + size])
        pos += size
    return sep.join(out + ([number[pos:]] if pos < len(number) else []))


#: separators people (and filter-dodgers) put between digits, NFKC variants included
SEPARATORS = [
    " ",
    "  ",
    "   ",
    ".",
    "-",
    "_",
    "/",
    "\t",
    "—",
    "——",
    "–",
    "·",
    "\u3000",
    "\u00a0",
    "．",
    "＿",
    "－",
    "\u200b",
    "\u00ad",
    "\ufeff",
]


def _hidden(text: str, secret: str) -> bool:
    """``mask_text(text)`` no longer shows ``secret`` (compared without separators)."""
    plain = lambda s: "".join(ch for ch in s if ch.isalnum())  # noqa: E731
    return plain(secret) not in plain(mask_text(text))


def test_id_numbers_are_masked_whatever_the_county_and_however_grouped():
    """Counties newer than their holder (Pudong 310115 from 1993, Tongzhou 110112 from 1997,
    Liangping 500155 from 2016), any birth year, written together or grouped with any
    separator, lower-case x: masked as first 6 + last 4."""
    for county in ("310115", "110112", "500155", "440305", "110105"):
        for year in ("1935", "1960", "1985", "2005"):
            number = _id(f"{county}{year}0704{year[2]}2{year[3]}")
            for sizes in ((18,), (6, 8, 4), (6, 4, 4, 4), (3, 3, 4, 4, 4)):
                for sep in SEPARATORS:
                    text = f"身份证号：{_grouped(number.lower(), sizes, sep)}，请核对"
                    (m,) = find_pii(text)
                    assert m.kind == "id_number" and m.masked == f"{number[:6]}{'*' * 8}{number[-4:]}", text
    good = _id("31011519850704123")
    for bad in (
        good[:-1] + ("0" if good[-1] != "0" else "1"),  # wrong check digit
        _id("31011519850230123"),  # 30 February
        _id("10011519850704123"),  # no province 10
        _id("31011518850704123"),
    ):  # born 1885
        assert kinds(f"身份证号{bad}") == [], bad


def test_mobiles_are_masked_with_any_separators_grouping_or_chinese_numerals():
    spelt = {
        "1": "一幺壹",
        "3": "三叁",
        "8": "八捌",
        "2": "二贰",
        "4": "四肆",
        "5": "五伍",
        "6": "六陆",
        "7": "七柒",
        "9": "九玖",
        "0": "〇零",
    }
    for number in ("13812345678", "19900001111", "15055556666"):
        masked = f"{number[:3]}****{number[-4:]}"
        for sizes in ((11,), (3, 4, 4), (3, 3, 3, 2), (3, 8), (4, 4, 3), (1,) * 11):
            for sep in SEPARATORS:
                for prefix in ("", "+86 ", "86-", "+86"):
                    text = f"电话{prefix}{_grouped(number, sizes, sep)}，谢谢"
                    assert [m.masked for m in find_pii(text)] == [masked], text
        for variant in range(3):  # spelt out: 一三八…, 幺三八…, 壹叁捌…, grouped or not
            words = "".join(spelt[d][min(variant, len(spelt[d]) - 1)] for d in number)
            for sizes in ((11,), (3, 4, 4)):
                text = f"号码是{_grouped(words, sizes, ' ')}"
                assert [m.masked for m in find_pii(text)] == [masked], text
    # not mobiles: the tail of a longer grouped number, an order number, prices, a 10-digit number
    for text in (
        "订单 2609 1381 2345 678 已发货",
        "订单号2609075154646636",
        "单价 13.50 12.80 9.90 元",
        "1381234567",
        "13812345678901",
        "第一二三四五六七八九十名",
    ):
        assert kinds(text) == [], text


def test_bank_cards_are_masked_after_any_card_word_however_far_or_grouped():
    """Any 16-19 digits after a card word — 账号, 工行卡, 卡号 … — when it is the nearest number
    word within 40 characters (ICBC's 9558 numbers need no Luhn there); or before a card word;
    or grouped 4-4-4-4 and passing Luhn."""
    cards = ["9558801234567890123", "6222020200112233446", "4111111111111111", "6212261202011584312"]
    words = ["卡号", "银行卡", "账号", "帐户", "工行卡", "建行卡", "信用卡", "储蓄卡", "card no.", "Account"]
    fillers = ["", "：", "是招商银行的那张，卡面上印的是 ", "（我刚刚在手机银行里查了一下，应该没有错的）是"]
    for card in cards:
        masked = f"{card[:6]}{'*' * (len(card) - 10)}{card[-4:]}"
        for word in words:
            for filler in fillers:
                for sizes in ((len(card),), (4, 4, 4, 4), (6, len(card) - 6)):
                    text = f"我的{word}{filler}{_grouped(card, sizes, ' ')}"
                    assert [m.masked for m in find_pii(text)] == [masked], text
        assert [m.masked for m in find_pii(f"{card}，是我的工资卡")] == [masked]
    assert kinds("card 4111 1111 1111 1111") == ["bank_card"]  # grouped, Luhn-valid, no word
    # not cards: an order word nearer than the card word, a bare number, grouped but not Luhn
    for text in ("退到银行卡了，订单号 6222020200112233446", "订单6222020200112233446", "4111 1111 1111 1112"):
        assert kinds(text) == [], text


@pytest.mark.parametrize(
    "address, kept",
    [
        ("上海市浦东新区张江路88号3栋201室", "上海市浦东新区"),
        ("上海市张江路88号", "上海市"),  # no district
        ("浙江省杭州市余杭区文一西路969号", "浙江省杭州市余杭区"),
        ("华星时代广场A座1201", ""),
        ("张江路88-1号", ""),
        ("长乐路100弄5号201室", ""),
        ("忠孝东路四段十一号", ""),  # a section, numerals
        ("阳光小区3栋2单元501", ""),  # an estate without a road
        ("万科城市花园12号楼3单元", ""),
        ("阳光公寓B座1203", ""),
        ("李庄村五组12号", ""),  # a village group
        ("南山区某某镇张家村3组", "南山区某某镇"),
        ("深圳市南山区高新南七道12号", "深圳市南山区"),
        ("杭州市西湖区文三路 478 号", "杭州市西湖区"),  # spaces around the number
        ("阳光小区3-2-501", ""),  # building-unit-room shorthand
        ("阳光小区 3 栋 2 单元 501", ""),
    ],
)
def test_addresses_are_masked_without_a_district_in_estates_sections_and_villages(address, kept):
    for before, after in (
        ("", ""),
        ("请寄到", "，谢谢"),
        ("您好，我想问一下", "的店还开吗"),
        ("地址：", " 电话稍后发"),
    ):
        text = f"{before}{address}{after}"
        assert mask_text(text) == f"{before}{kept}****{after}", text


def test_dates_and_words_before_numbers_are_no_addresses():
    for text in ("我知道3号发货", "地铁1号线", "北京市朝阳区建国路", "您3号到货", "通道2号门", "一路顺风"):
        assert kinds(text) == [], text


def test_emails_with_a_chinese_local_part_or_domain_are_masked():
    for text, masked in (
        ("张三@例子.中国", "张***@例子.中国"),
        ("邮箱是李四@公司.网络，谢谢", "邮箱是李***@公司.网络，谢谢"),
        ("zhang@例子.公司", "z***@例子.公司"),
        ("发到 zhang.san@mail.example.org 吧", "发到 z***@mail.example.org 吧"),
        ("ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ", "ｚ***@ｅｘａｍｐｌｅ．ｃｏｍ"),
        ("zhang @ qq.com", "z***@ qq.com"),
    ):
        assert mask_text(text) == masked, text


def test_wechat_and_qq_accounts_after_their_word_are_masked():
    for text, masked in (
        ("加我微信wx_a001234，私下处理", "加我微信w****，私下处理"),
        ("vx: zhangsan，私下", "vx: z****，私下"),
        ("微信号：zhangsan", "微信号：z****"),
        ("ＶＸ　ａｂｃ１２３", "ＶＸ　ａ****"),
        ("Add me on WeChat wx_a001234 now", "Add me on WeChat w**** now"),
        ("wxid_ab12cd34", "w****"),
        ("加我QQ 123456789，给您返现", "加我QQ 1****，给您返现"),
        ("扣扣号码：12345", "扣扣号码：1****"),
    ):
        assert mask_text(text) == masked, text
    for text in ("WeChat payment is fine", "微信支付已退款", "QQ群已经满了", "加个微信吧"):
        assert kinds(text) == [], text


def test_problem_messages_are_masked_in_every_format():
    """A message quoting an invalid value is masked when the Problem is made, so stderr lines,
    run.json / inspect --json dicts, the summary and the lint formatters all show it masked."""
    import json

    from qa_toolkit.problems import InputError, Problem, ProblemLog
    from qa_toolkit.rubric.formatters import FORMATTERS

    values = ["13812345678", "138 1234 5678", f"身份证{VALID_ID}", "a.b@example.com", "上海市浦东新区张江路88号"]
    problems = [
        Problem("data.jsonl", f"csat '{v}' is outside 1..5", line=3, field="csat", code="bad_csat") for v in values
    ]
    log = ProblemLog(problems=list(problems))
    shown = [str(p) for p in problems] + [
        log.summary(),
        json.dumps(log.to_dict(), ensure_ascii=False),
        str(InputError(problems)),
    ]
    shown += [fmt(problems) for fmt in FORMATTERS.values()]
    for text in shown:
        for secret in ("12345678", "1234 5678", "19491231", "a.b@", "张江路88号"):
            assert secret not in text, (secret, text)
    assert "csat '138****5678' is outside 1..5" in str(problems[0])
