"""Normalisation and language detection, as tables of exact values."""

import pytest

from analysis.text import MAX_COMMENT_CHARS, language_detect, normalise_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\ufeffＡＢＣ\u3000１２３", "abc 123"),  # BOM stripped, full width to half width
        ("外賣送得太慢了", "外卖送得太慢了"),  # traditional to simplified
        ("  Took   FOREVER \n\n ok ", "took forever ok"),  # case-fold, whitespace collapsed
        ("😡😡", "😡😡"),  # emoji kept
        ("ｈｅｌｌｏ，世界！", "hello,世界!"),
        ("Café", "café"),
        ("", ""),
        (None, ""),
        # HTML character references are decoded, once
        ("Tom &amp; Jerry", "tom & jerry"),
        ("it&#39;s cold", "it's cold"),
        ("&quot;太慢&quot;", '"太慢"'),
        ("&lt;b&gt;难吃&lt;/b&gt;", "<b>难吃</b>"),
        ("&#x597D;吃", "好吃"),  # hexadecimal, either case
        ("送餐&nbsp;&nbsp;太慢", "送餐 太慢"),  # a no-break space is whitespace
        ("&#65279;好", "好"),  # a byte-order mark written as a reference is still stripped
        ("&amp;amp;", "&amp;"),  # decoded once, as a browser shows it
        ("AT&T &notice &unknown;", "at&t &notice &unknown;"),  # no ";" or no such name: as is
    ],
)
def test_normalise_table(raw, expected):
    # given a raw comment / when normalised / then
    assert normalise_text(raw) == (expected, False)


def test_long_comment_is_cut_at_the_limit_and_flagged():
    # given a comment longer than the documented limit
    raw = "慢" * (MAX_COMMENT_CHARS + 100)
    # when
    text, truncated = normalise_text(raw)
    # then
    assert MAX_COMMENT_CHARS == 2000
    assert (len(text), truncated) == (2000, True)


def test_comment_at_the_limit_is_not_flagged():
    assert normalise_text("慢" * MAX_COMMENT_CHARS) == ("慢" * 2000, False)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("送餐太慢了", "zh"),
        ("the food was cold", "en"),
        ("送餐太慢了 but the rider was nice", "mixed"),
        ("app很卡,闪退", "zh"),
        ("iphone很好用", "zh"),
        ("the 骑手 was rude", "mixed"),
        ("😡😡", "none"),
        ("", "none"),
        ("123!!!", "none"),
        ("好", "zh"),
        ("ok", "en"),
    ],
)
def test_language_table(text, language):
    assert language_detect(text) == language


def test_the_shipped_t2s_character_list_matches_the_installed_opencc():
    # given the list written by scripts/opencc_t2s_chars.py
    from analysis.text import normalise

    # when it is loaded / then it is used (not the every-ideograph fallback), and common
    # simplified characters are not in it
    convertible = normalise._convertible()
    assert convertible is not None
    assert convertible.isdisjoint("送餐很快的了么这个里面")
    assert {"覆", "沈", "們", "麼"} <= convertible


def test_every_character_that_t2s_changes_is_in_the_shipped_list():
    # given every ideograph and compatibility ideograph, one at a time
    from analysis.text import normalise

    convertible = normalise._convertible()
    ranges = [(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F)]
    converter = normalise._converter()
    missing = [
        chr(code)
        for start, end in ranges
        for code in range(start, end + 1)
        if converter.convert(chr(code)) != chr(code) and chr(code) not in convertible
    ]
    # then none that OpenCC changes is skipped
    assert missing == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("反覆無常", "反复无常"),  # 覆 alone stays; the phrase changes it
        ("回覆很慢", "回复很慢"),
        ("深沈", "深沉"),
        ("么麼", "幺麽"),  # 么 alone stays; 麼 is in the list
        ("送餐很快", "送餐很快"),  # already simplified: left as it is
    ],
)
def test_phrases_that_change_characters_t2s_leaves_alone_are_converted(raw, expected):
    assert normalise_text(raw) == (expected, False)
