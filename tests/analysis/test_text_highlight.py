"""Highlighting the matched terms in a respondent's own words (pure, no database)."""

import pytest

from analysis.text.highlight import highlight_parts


@pytest.mark.parametrize(
    ("text", "terms", "parts"),
    [
        ("", ["骑手"], []),
        ("骑手很好", [], [("骑手很好", False)]),
        (
            "菜不新鲜，等了很久",
            ["等", "很久"],
            [("菜不新鲜，", False), ("等", True), ("了", False), ("很久", True)],
        ),
        # the traditional characters of the original are found by their simplified term
        ("騎手態度差", ["骑手"], [("騎手", True), ("態度差", False)]),
        # English by lemma, any case; full-width letters fold to half-width
        (
            "The Riders were LATE",
            ["rider", "late"],
            [("The ", False), ("Riders", True), (" were ", False), ("LATE", True)],
        ),
        ("ＡＰＰ crashed", ["app"], [("ＡＰＰ", True), (" crashed", False)]),
        # a phrase marks each of its words
        ("food not fresh", ["not fresh"], [("food ", False), ("not", True), (" ", False), ("fresh", True)]),
        # markup stays text: the caller escapes each part
        ("<b>骑手</b>", ["骑手"], [("<b>", False), ("骑手", True), ("</b>", False)]),
    ],
)
def test_highlight_parts(text, terms, parts):
    assert highlight_parts(text, terms) == parts
