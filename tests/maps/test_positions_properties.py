"""Order keys (maps.positions) as properties: what every key between two neighbours satisfies,
checked on many neighbours, including the tight ones (a key and the key right after it)."""

from __future__ import annotations

import random

import pytest

from maps.positions import DIGITS, is_valid_key, key_between, key_for_index, keys_after


def random_key(rng: random.Random) -> str:
    body = "".join(rng.choice(DIGITS) for _ in range(rng.randint(0, 3)))
    return body + rng.choice(DIGITS[1:])


def test_a_valid_key_is_made_of_digits_and_letters_and_never_ends_in_zero():
    for key in ("1", "i", "z", "a1", "0i", "zzz"):
        assert is_valid_key(key), key
    for key in ("", "0", "a0", "A", "i-", "é", "a b"):
        assert not is_valid_key(key), key


@pytest.mark.timeout(10)
def test_equal_bounds_are_refused_with_the_reason():
    with pytest.raises(ValueError, match="low < high"):
        key_between("a", "a")


@pytest.mark.timeout(10)
def test_a_key_fits_between_any_two_keys_even_adjacent_ones():
    rng = random.Random(12)
    pairs = [(None, "1"), (None, "01"), ("a", "a1"), ("a", "b"), ("0i", "1"), ("z", None)]
    for _ in range(300):
        low, high = sorted([random_key(rng), random_key(rng)])
        pairs.append((low, high) if low != high else (low, None))
    for low, high in pairs:
        key = key_between(low, high)
        assert is_valid_key(key), (low, high, key)
        assert (low or "") < key, (low, high, key)
        assert high is None or key < high, (low, high, key)


@pytest.mark.timeout(10)
def test_a_key_is_never_longer_than_its_longer_neighbour_plus_one():
    """Keys stay short: each insertion adds at most one character, so a stage that is
    reordered all day does not grow keys without bound."""
    rng = random.Random(5)
    for _ in range(300):
        low, high = sorted([random_key(rng), random_key(rng)])
        if low == high:
            continue
        assert len(key_between(low, high)) <= max(len(low), len(high)) + 1


def test_the_first_key_of_an_empty_list_sits_in_the_middle_of_the_alphabet():
    assert key_between(None, None) == DIGITS[len(DIGITS) // 2]
    assert key_for_index([], 0) == DIGITS[len(DIGITS) // 2]


def test_appending_many_keys_gives_increasing_valid_keys():
    keys = keys_after("i", 40)
    assert len(keys) == 40
    assert all(is_valid_key(key) for key in keys)
    assert ["i", *keys] == sorted({"i", *keys})


def test_a_key_for_an_index_lands_between_the_neighbours_at_that_index():
    keys = keys_after(None, 4)
    for index in range(len(keys) + 1):
        key = key_for_index(keys, index)
        assert sorted([*keys, key]).index(key) == index
