"""Bank cards from a Chinese issuer's range (62 UnionPay, 9558 ICBC) are masked without a card
word or grouping when they pass Luhn (issue 16, class 6: a 19-digit card written alone leaked);
order numbers and other long numbers are left alone."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from stdnum import luhn

from qa_toolkit.privacy import find_pii, mask_text, may_hold_pattern


def _card(body: str) -> str:
    return body + luhn.calc_check_digit(body)


@pytest.mark.parametrize(
    "card",
    [_card("955880020011223344"), _card("622202020011223344"), _card("621226120201158"), _card("62148301234567890")],
)
@pytest.mark.parametrize("text", ["联系方式 {}", "{}", "退款退到 {} 吧", "请转账到{}，谢谢"])
def test_an_issuer_card_passing_luhn_is_masked_without_a_card_word(card, text):
    assert [m.kind for m in find_pii(text.format(card))] == ["bank_card"]
    assert card not in mask_text(text.format(card))
    assert pc.match_substring_regex(pa.array([text.format(card)]), may_hold_pattern(["bank_card"])).to_pylist() == [
        True
    ]


def test_issuer_numbers_failing_luhn_or_after_an_order_word_are_no_cards():
    card = _card("622202020011223344")
    wrong = card[:-1] + str((int(card[-1]) + 1) % 10)
    for text in (wrong, f"订单号{card}", f"运单 {card}", _card("2609075154646636")[:16], _card("41111111111111")):
        assert [m.kind for m in find_pii(text)] == [], text
