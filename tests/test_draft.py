"""The prompt-lookup draft guesses what followed the last tokens earlier in the text, only where
the earlier places agree, and never more than it is allowed to.

Whether a guess is kept is the model's call (storysum.llm.llama_server); these tests cover what
is guessed. Token ids are small integers standing for tokens.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from storysum.llm.draft import PromptLookupDraft


def guess(ids: list[int], **kw: float) -> list[int]:
    out = PromptLookupDraft(**kw)(np.array(ids, dtype=np.intc))  # type: ignore[arg-type]
    assert out.dtype == np.intc
    return [int(t) for t in out]


def test_it_proposes_what_followed_the_last_tokens_before():
    # "1 2 3" occurred at the start, followed by 4 5 9.
    assert guess([1, 2, 3, 4, 5, 9, 1, 2, 3]) == [4, 5, 9]


def test_it_follows_the_longest_run_of_last_tokens():
    # The last token, 1, was followed by 8 once and by 9 once: no agreement. The last two,
    # "6 1", occurred once, followed by 9.
    assert guess([5, 1, 8, 6, 1, 9, 6, 1]) == [9, 6, 1]
    assert guess([5, 1, 8, 6, 1, 9, 6, 1], max_ngram=1) == []


def test_it_stops_where_the_earlier_places_disagree():
    # "7" was followed by "0 1" three times; then by 2, 3 and 4: no majority for a third token.
    ids = [7, 0, 1, 2, 7, 0, 1, 3, 7, 0, 1, 4, 7]
    assert guess(ids) == [0, 1]
    # Nine places of ten agree: enough at the default 0.9, not at 0.95.
    ids = [7, 5] * 9 + [7, 6, 7]
    assert guess(ids, max_tokens=1) == [5]
    assert guess(ids, max_tokens=1, agreement=0.95) == []


def test_nothing_to_go_on_gives_no_guess():
    assert guess([]) == [] and guess([4]) == []
    assert guess([1, 2, 3, 4]) == []  # the last token never occurred before
    assert guess([1, 2, 1, 2, 1], max_tokens=0) == []


def test_it_never_guesses_more_than_allowed_or_past_the_known_text():
    assert guess([3] * 30, max_tokens=2) == [3, 3]
    # A place whose continuation runs past the text counts as disagreeing.
    assert guess([3] * 9, max_tokens=2) == [3]
    # "1" occurred once before, followed only by the last token itself.
    assert guess([1, 1]) == [1]


def test_every_guess_continues_an_earlier_occurrence_of_the_last_tokens():
    rng = random.Random(11)
    draft = PromptLookupDraft(max_tokens=3)
    made = 0
    for _ in range(400):
        ids = [rng.randrange(6) for _ in range(rng.randint(2, 60))]
        out = [int(t) for t in draft(np.array(ids, dtype=np.intc))]  # type: ignore[arg-type]
        assert len(out) <= 3
        if not out:
            continue
        made += 1
        n, k = len(ids), len(out)
        # Some earlier place j ends a run equal to the last token and is followed by the guess.
        assert any(
            ids[j] == ids[-1] and ids[j + 1 : j + 1 + k] == out for j in range(n - 1)
        ), (ids, out)
    assert made > 100  # the property was exercised


@pytest.mark.parametrize("bad", [{"max_ngram": 0}, {"max_tokens": -1}, {"agreement": 0.0},
                                 {"agreement": 1.5}])
def test_nonsense_settings_are_refused(bad):
    with pytest.raises(ValueError):
        PromptLookupDraft(**bad)  # type: ignore[arg-type]
