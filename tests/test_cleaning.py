"""The boilerplate cleaner, on the scraped seed article."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsearch.cleaning import Cleaner, get_cleaner
from newsearch.errors import UnknownComponentError

SEED = (Path(__file__).parent / "data" / "seed" / "scraped_article_ar.txt").read_text("utf-8")
FURNITURE = [
    "0 تعليق ارسل طباعة تبليغ حذف",
    "تابع أحدث الأخبار عبر تطبيق google news",
    "إخترنا لك",
    "أخبار ذات صلة",
]


def test_seed_article_loses_its_furniture_and_keeps_its_text() -> None:
    cleaned = get_cleaner("scraped").clean(SEED)
    for junk in FURNITURE:
        assert junk not in cleaned, junk
    assert "\n0 تعليق" not in cleaned and not cleaned.rstrip().endswith("تعليق")
    # every sentence of the article survives exactly as written
    for para in SEED.split("\n"):
        if len(para) > 80:
            assert para in cleaned
    assert cleaned.startswith("بوتين لوزيرة خارجية كوريا الشمالية")
    assert "البوابة نيوز" in cleaned  # the outlet name before the toolbar is kept


def test_cleaner_only_removes_whole_lines() -> None:
    c = get_cleaner("scraped")
    text = "قال الوزير إن أخبار ذات صلة بالموضوع ستنشر\nاقرأ أيضاً\nوأضاف أن طباعة الكتب زادت"
    assert c.clean(text) == "قال الوزير إن أخبار ذات صلة بالموضوع ستنشر\nوأضاف أن طباعة الكتب زادت"


def test_variants_of_spelling_match() -> None:
    c = get_cleaner("scraped")
    assert c.clean("نص\nاخترنا لك\nأقرأ أيضاً") == "نص"
    assert c.clean("نص\nتابعونا على فيسبوك") == "نص"


def test_off_by_default_and_registry() -> None:
    assert get_cleaner("none") is None
    assert get_cleaner(None) is None
    with pytest.raises(UnknownComponentError, match="scraped"):
        get_cleaner("aggressive")
    custom = Cleaner(lines=("إعلان",))
    assert get_cleaner(custom) is custom
    assert custom.clean("نص\nاعلان\nنص") == "نص\nنص"
    assert custom.clean("") == ""
