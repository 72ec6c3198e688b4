"""Keywords of a scope and words separating detractors from promoters."""

from analysis.keywords import Keyword, SeparatingWord, keywords_scope, keywords_scopes, keywords_separating

DOCS = [
    ["送餐", "太慢"],
    ["送餐", "太慢", "很"],
    ["味道", "好"],
    ["味道", "好"],
    ["送餐", "快"],
    ["凉了", "太慢"],
]


def test_scope_keywords_against_the_rest():
    # given a scope of comments 0, 1 and 5 / when
    found = keywords_scope(DOCS, [True, True, False, False, False, True], top=5)
    # then 太慢 (3 of 3 in scope, none outside) leads; 很 (an intensifier) is never a keyword;
    # 凉了 is used once only (min_count 2); 味道/好/快 are not over-represented in the scope
    assert found == (
        Keyword(term="太慢", score=1.098612, count=3, count_rest=0, examples=(0, 1, 5)),
        Keyword(term="送餐", score=0.732408, count=2, count_rest=1, examples=(0, 1)),
    )


def test_empty_scope_has_no_keywords():
    assert keywords_scope(DOCS, [False] * 6) == ()


def test_log_odds_separates_detractors_from_promoters():
    # given detractors 0, 1, 5, promoters 2, 3 and one comment without a score (4)
    detractors, promoters = keywords_separating(
        DOCS, [True, True, False, False, None, True], top=3, min_count=1
    )
    # then
    assert detractors == (
        SeparatingWord(term="太慢", z=1.0868, count_detractors=3, count_promoters=0, examples=(0, 1, 5)),
        SeparatingWord(term="送餐", z=0.7554, count_detractors=2, count_promoters=0, examples=(0, 1)),
        SeparatingWord(term="凉了", z=0.5055, count_detractors=1, count_promoters=0, examples=(5,)),
    )
    assert promoters[0] == SeparatingWord(
        term="味道", z=-1.9939, count_detractors=0, count_promoters=2, examples=(2, 3)
    )


def test_log_odds_needs_both_groups():
    assert keywords_separating(DOCS, [True] * 6) == ((), ())


def test_all_scopes_in_one_pass_match_one_scope_at_a_time():
    scopes = [["slow"], ["slow"], ["taste"], ["taste"], [], ["slow", "cold"]]
    together = keywords_scopes(DOCS, scopes, top=5)
    for key in ("slow", "taste", "cold"):
        assert together[key] == keywords_scope(DOCS, [key in s for s in scopes], top=5)
    assert together["slow"][0].term == "太慢"
