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
    assert text[m.start:m.end] == "１３８１２３４５６７８"
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
