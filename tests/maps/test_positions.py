from __future__ import annotations

import random

import pytest

from maps.positions import is_valid_key, key_between, key_for_index, keys_after, spread


def test_key_between_sorts_between_its_neighbours():
    assert key_between(None, None) == "i"
    assert key_between("i", None) > "i"
    assert key_between(None, "i") < "i"
    low, high = "a", "b"
    middle = key_between(low, high)
    assert low < middle < high


def test_keys_never_end_in_zero_so_there_is_always_room_before():
    key = key_between(None, None)
    for _ in range(200):
        key = key_between(None, key)
        assert is_valid_key(key)


def test_repeated_inserts_at_one_spot_stay_ordered():
    rng = random.Random(7)
    keys = keys_after(None, 5)
    for _ in range(500):
        index = rng.randint(0, len(keys))
        new = key_for_index(keys, index)
        keys.insert(index, new)
        assert keys == sorted(keys)
        assert len(set(keys)) == len(keys)


def test_key_between_refuses_reversed_bounds():
    with pytest.raises(ValueError):
        key_between("b", "a")


def test_index_is_clamped_to_the_ends():
    keys = keys_after(None, 3)
    assert key_for_index(keys, -5) < keys[0]
    assert key_for_index(keys, 99) > keys[-1]


def test_spread_gives_count_short_keys_strictly_between_the_bounds_in_order():
    rng = random.Random(11)
    for _ in range(300):
        low, high = sorted(rng.sample([None, *keys_after(None, 40)], 2), key=lambda k: k or "")
        if rng.random() < 0.5:
            low, high = low, None
        count = rng.randint(1, 2000)
        keys = spread(low, high, count)
        assert len(keys) == count
        assert keys == sorted(keys) and len(set(keys)) == count
        assert all(is_valid_key(key) for key in keys)
        assert (low or "") < keys[0] and (high is None or keys[-1] < high)


def test_10000_keys_spread_over_nothing_are_three_characters_long():
    keys = spread(None, None, 10_000)
    assert max(len(key) for key in keys) == 3


def test_appending_many_keys_after_a_long_one_grows_it_by_a_few_characters_only():
    last = "z" * 30
    keys = keys_after(last, 5000)
    assert keys[0] > last and max(len(key) for key in keys) <= 33
