"""Self-checks of the shared test helpers (no tasknet binary needed): the
pagination check `ecs_support.assert_pages` must fail on every way a
paginated API can go wrong, or the pagination tests that use it prove
nothing."""

import pytest

from ecs_support import assert_pages

pytestmark = pytest.mark.selfcheck

ITEMS = [f"item-{i}" for i in range(7)]


def pager(items=ITEMS, *, sizes=None, token_on_last=False, drop_token_after=None, repeat=False, skip=False):
    """A fake Describe call over `items` with opaque integer tokens, broken as asked."""

    def call(MaxResults=None, NextToken=None, **_):
        start = int(NextToken) if NextToken else 0
        n = MaxResults if sizes is None else sizes[min(start // MaxResults, len(sizes) - 1)]
        if repeat and start:
            start -= 1  # the next page starts with the previous page's last item
        page = items[start:start + n]
        end = start + n + (1 if skip and not start else 0)
        out = {"Things": [{"Id": x} for x in page]}
        more = end < len(items)
        if (more or token_on_last) and not (drop_token_after is not None and start >= drop_token_after):
            out["NextToken"] = str(end)
        return out

    return call


def check(call, expected=ITEMS, size=5, **kw):
    return assert_pages(call, "Things", lambda x: x["Id"], size, expected, **kw)


def test_a_correct_api_passes():
    assert check(pager(), ordered=True) == [ITEMS[:5], ITEMS[5:]]
    assert check(pager(), size=7) == [ITEMS]
    assert check(pager(), size=1) == [[x] for x in ITEMS]
    assert check(pager([]), expected=[]) == [[]]


@pytest.mark.parametrize("broken,message", [
    (dict(token_on_last=True), "still carries NextToken"),
    (dict(drop_token_after=0), "has no NextToken"),
    (dict(sizes=[4]), "holds 4 items, expected 5"),
    (dict(sizes=[6]), "holds 6 items, expected 5"),
    (dict(repeat=True), "expected"),
    (dict(skip=True), "expected"),
])
def test_a_broken_api_fails(broken, message):
    with pytest.raises(AssertionError, match=message):
        check(pager(**broken))


def test_wrong_items_or_order_fail():
    with pytest.raises(AssertionError):
        check(pager(), expected=ITEMS[:6] + ["other"])
    with pytest.raises(AssertionError):
        check(pager(ITEMS[::-1]), ordered=True)
    # the same items in another order are fine unless the order is asked for
    assert check(pager(ITEMS[::-1])) == [ITEMS[::-1][:5], ITEMS[::-1][5:]]
    # an item on two pages fails even when the page sizes add up
    dup = ITEMS[:5] + ITEMS[4:6]
    with pytest.raises(AssertionError, match="on two pages"):
        check(pager(dup), expected=ITEMS[:7])
