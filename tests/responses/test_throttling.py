"""The throttle counters on Redis: one script call per request, windows that expire."""

import uuid

import pytest
from django.core.cache import caches
from django.test import override_settings

from responses.throttling import _window_key, throttle_allows_all


@pytest.fixture
def redis_cache(redis_url):
    backend = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    with override_settings(
        CACHES={"default": {**backend, "KEY_PREFIX": "test-throttling"}},
        RESPONDENT_THROTTLE_RATES={"post_ip": "3/min", "post_token": "2/min"},
    ):
        yield caches["default"]


def test_both_counters_count_in_redis_and_the_lower_rate_refuses_first(redis_cache) -> None:
    # given a client and a token never seen before (the counters are per minute window)
    ip, token = f"10.0.0.1-{uuid.uuid4()}", f"tok-{uuid.uuid4()}"
    # when the client posts four times to the token
    allowed = [throttle_allows_all(("post_ip", ip), ("post_token", token)) for _ in range(4)]
    # then the token's rate (2/min) refuses the third, and both counters saw every request
    assert allowed == [True, True, False, False]
    ip_key, token_key = _window_key("post_ip", ip, 60), _window_key("post_token", token, 60)
    assert (redis_cache.get(ip_key), redis_cache.get(token_key)) == (4, 4)
    # and each counter expires with its window (the period plus one second)
    client = redis_cache._cache.get_client()
    assert 0 < client.ttl(redis_cache.make_and_validate_key(ip_key)) <= 61


def test_a_scope_without_a_rate_is_not_counted(redis_cache) -> None:
    ip = f"10.0.0.1-{uuid.uuid4()}"
    assert throttle_allows_all(("page_ip", ip)) is True
    assert redis_cache.get(_window_key("page_ip", ip, 60)) is None


def test_counting_goes_on_after_redis_lost_its_scripts(redis_cache) -> None:
    # given a counter counted once, then a Redis that forgot its loaded scripts (a restart)
    ip = f"10.0.0.9-{uuid.uuid4()}"
    assert throttle_allows_all(("post_ip", ip)) is True
    redis_cache._cache.get_client(write=True).script_flush()
    # when the client posts three more times
    allowed = [throttle_allows_all(("post_ip", ip)) for _ in range(3)]
    # then the script was loaded again and the window kept counting (3/min refuses the fourth)
    assert allowed == [True, True, False]
    assert redis_cache.get(_window_key("post_ip", ip, 60)) == 4
