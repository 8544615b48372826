"""Guessing the embedded model's next tokens from the text it has already seen.

An extraction answer is mostly copied: the JSON keys and separators repeat from one figure to
the next, and the values (``"5,000"``, ``"Marines and sailors"``) are words of the article in
the prompt. :class:`PromptLookupDraft` guesses the next few tokens by finding where the last
tokens written occur earlier in the prompt or the answer, and proposing what followed them
there. The server then reads the last token and the guesses in one forward pass and keeps the
guesses the model itself picks (speculative decoding, with the prompt as the draft model).
Under greedy sampling every token kept is the one the model scores highest, so the answer is
the model's own; but a pass over several tokens rounds its arithmetic a little differently
from passes over one, so where two tokens score almost the same the pick can differ from a
run without guesses. Measured on the first three seeds calls: call 1 gave the same 182 tokens
with and without guesses, calls 2 and 3 did not. The cassettes are recorded with guessing on,
as users run it.

A guess is not free: on 2 cores, a pass over 4 tokens costs about twice a pass over one, so a
wrong guess costs time. Guesses are therefore only made where the earlier occurrences agree on
what came next, and at most three at a time (a pass over 5 tokens costs 2.3-2.5 times one).
Replaying the recorded answers of the four cassettes through the guesser, with those measured
pass costs, this spent 1.21 times fewer pass-seconds than one token per pass; guessing from
the most recent occurrence alone, 2 to 4 tokens, did 0.94-1.07 times. Measured side by side on
the seeds (``python bench/embedded.py --compare-draft``): 10.1 tokens/s written against 8.0,
1.92 tokens per pass against 1.00.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

MAX_NGRAM = 4  # the longest run of last tokens looked up
MAX_TOKENS = 3  # guesses per pass: a pass over 4 tokens costs about 2 passes over one
AGREEMENT = 0.9  # share of the earlier occurrences that must agree on the next token


class PromptLookupDraft:
    """Proposes the tokens that followed the longest earlier occurrence of the last tokens.

    Called with every token so far (prompt and answer), it finds the earlier places where the
    longest run of last tokens (up to ``max_ngram``) occurs, then extends the guess one token
    at a time while at least ``agreement`` of the places still in the running agree on it.
    Returns up to ``max_tokens`` token ids, or none. Has the interface of llama-cpp-python's
    ``LlamaDraftModel``.
    """

    def __init__(
        self, max_ngram: int = MAX_NGRAM, max_tokens: int = MAX_TOKENS,
        agreement: float = AGREEMENT,
    ) -> None:
        if max_ngram < 1 or max_tokens < 0 or not 0.0 < agreement <= 1.0:
            raise ValueError("max_ngram >= 1, max_tokens >= 0 and 0 < agreement <= 1")
        self.max_ngram, self.max_tokens, self.agreement = max_ngram, max_tokens, agreement

    def __call__(self, input_ids: npt.NDArray[np.intc], /, **kwargs: Any) -> npt.NDArray[np.intc]:
        ids = np.asarray(input_ids)
        n = len(ids)
        none = np.empty(0, dtype=np.intc)
        if n < 2 or self.max_tokens == 0:
            return none
        # Places j < n-1 where the last token occurs, narrowed to those where the run of last
        # tokens ending there is as long as it can be made (up to max_ngram).
        ends = np.flatnonzero(ids[:-1] == ids[-1])
        length = 1
        while ends.size and length < self.max_ngram:
            room = ends[ends >= length]
            longer = room[ids[room - length] == ids[n - 1 - length]]
            if not longer.size:
                break
            ends, length = longer, length + 1
        guesses: list[int] = []
        nexts = ends + 1  # where what followed each occurrence is
        while nexts.size and len(guesses) < self.max_tokens:
            known = nexts[nexts < n]
            if not known.size:
                break
            values, counts = np.unique(ids[known], return_counts=True)
            best = int(np.argmax(counts))  # ties: the lowest token id
            if counts[best] < self.agreement * nexts.size:
                break
            token = values[best]
            guesses.append(int(token))
            nexts = known[ids[known] == token] + 1
        return np.array(guesses, dtype=np.intc) if guesses else none
