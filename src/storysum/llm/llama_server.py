"""llama-cpp-python's OpenAI-compatible server, with greedy grammar sampling made cheap and
speculative decoding from the prompt.

    python -m storysum.llm.llama_server --model PATH ...   (the arguments of llama_cpp.server)

This is llama-cpp-python's own server (``llama_cpp.server``), run with two changes for
requests that are greedy (temperature 0, storysum's default): how a token is picked under a
grammar, and guessed tokens read with the last one in a single forward pass.

llama-cpp-python builds the sampler chain penalties -> grammar -> greedy, so for each token
the grammar is matched against all ~152,000 tokens of the vocabulary. On the embedded model
that took 21% of a run's wall time (bench/embedded.py), more than a third as much as the
model's own forward passes. :class:`GreedyGrammarSampler` picks the same token with far less
work, the way llama.cpp's own ``common_sampler`` does: take the highest-scoring token, ask the
grammar about that one token, and match the whole vocabulary only when the grammar refuses
it. Under greedy sampling the result is the same token by construction: a token that the
grammar allows and that has the highest score of all also has the highest score of the
allowed ones, and ties go to the lowest token id both ways (llama.cpp's greedy sampler and
``numpy.argmax``). So answers, and the cassettes recorded from them, do not change.

The guesses come from :class:`storysum.llm.draft.PromptLookupDraft` (its docstring has why
and what they gain); llama-cpp-python's ``Llama.generate`` already checks a draft model's
tokens against its own picks. What it lacks without ``logits_all`` is the logits of every
guessed token: :func:`_eval_every_logit` asks llama.cpp for them on the passes that carry
guesses only. ``STORYSUM_DRAFT_TOKENS=0`` turns the guessing off (for comparisons).

Requests that are not greedy, or carry their own logits processors, get llama-cpp-python's
sampler untouched, and no guesses.

A prompt read into an empty cache (a run's first call) has its system turn, the fixed
instructions, read in a pass of its own before the rest. With ``STORYSUM_PREFIX_DIR`` set
(``embedded.serve`` sets it when the cache is on) that turn's KV state is saved there, and a
later server loads it instead of reading it (:mod:`storysum.llm.prefix_store`); the split is
the same either way, so are the answers.

It also writes one timing line per completion to its log (stderr), for bench/embedded.py:
the wall time of the model's forward passes on the prompt and on the generated tokens, of
picking tokens, the number of generation passes and of the guesses they carried, and of the
prompt tokens whose state was loaded from disk.
llama.cpp's own ``llama_perf_context_print`` lines were used before; they
leave out part of a long prompt's evaluation (a 1,552-token prompt read in 38 s was printed as
17.7 s), which made the time outside the model look larger than it was.
"""

from __future__ import annotations

import ctypes
import math
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import llama_cpp
import numpy as np
from llama_cpp import llama as _llama

from storysum.llm.draft import MAX_TOKENS, PromptLookupDraft
from storysum.llm.prefix_store import MIN_TOKENS, PrefixStore, first_turn_end

_TOKEN_DATA = np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)], align=True)
assert _TOKEN_DATA.itemsize == ctypes.sizeof(llama_cpp.llama_token_data)


class GreedyGrammarSampler:
    """Greedy sampling under a grammar: the grammar is asked about the best token first.

    Stands in for ``llama_cpp._internals.LlamaSampler`` where ``Llama`` uses one: ``sample``,
    ``accept``, ``reset`` and ``close``.
    """

    def __init__(
        self,
        model: Any,
        n_vocab: int,
        grammar: Any,
        penalty_last_n: int,
        penalty_repeat: float,
        penalty_freq: float,
        penalty_present: float,
    ) -> None:
        self.n_vocab = n_vocab
        self.penalties = llama_cpp.llama_sampler_init_penalties(
            n_vocab, penalty_last_n, penalty_repeat, penalty_freq, penalty_present
        )
        self.grammar = llama_cpp.llama_sampler_init_grammar(
            model.vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8")
        )
        if not self.grammar:
            llama_cpp.llama_sampler_free(self.penalties)
            self.penalties = self.grammar = None  # close() must not free them again
            raise ValueError("llama.cpp could not parse the grammar")
        # One candidate array for the whole vocabulary, and one for a single token, reused.
        self._all = (llama_cpp.llama_token_data * n_vocab)()
        self._all_view = np.frombuffer(self._all, dtype=_TOKEN_DATA)  # type: ignore[call-overload]
        self._all_view["id"] = np.arange(n_vocab, dtype=np.int32)
        self._one = (llama_cpp.llama_token_data * 1)()
        self.full_matches = 0  # tokens for which the whole vocabulary had to be matched
        self.tokens = 0

    def _apply(self, sampler: Any, data: Any, size: int) -> None:
        arr = llama_cpp.llama_token_data_array(data, size, -1, False)
        llama_cpp.llama_sampler_apply(sampler, ctypes.byref(arr))

    def sample(self, ctx: Any, idx: int = -1) -> int:
        logits = llama_cpp.llama_get_logits_ith(ctx.ctx, idx)
        view = self._all_view
        view["logit"] = np.ctypeslib.as_array(logits, shape=(self.n_vocab,))
        view["p"] = 0.0
        self._apply(self.penalties, self._all, self.n_vocab)
        token = int(np.argmax(view["logit"]))
        self._one[0].id = token  # type: ignore[assignment]
        self._one[0].logit = float(view["logit"][token])
        self._one[0].p = 0.0
        self._apply(self.grammar, self._one, 1)
        self.tokens += 1
        if not math.isfinite(self._one[0].logit):
            # The grammar refuses the best token: match every token, as the chain would.
            self.full_matches += 1
            self._apply(self.grammar, self._all, self.n_vocab)
            token = int(np.argmax(view["logit"]))
        self.accept(token)
        return token

    def accept(self, token: int) -> None:
        llama_cpp.llama_sampler_accept(self.penalties, token)
        llama_cpp.llama_sampler_accept(self.grammar, token)

    def reset(self) -> None:
        llama_cpp.llama_sampler_reset(self.penalties)
        llama_cpp.llama_sampler_reset(self.grammar)

    def close(self) -> None:
        if getattr(self, "grammar", None) and getattr(self, "tokens", 0):
            # In the server's log, for whoever tunes it: how often the grammar refused.
            print(f"storysum greedy grammar sampler: {self.tokens} tokens, "
                  f"{self.full_matches} full-vocabulary matches", file=sys.stderr, flush=True)
        for name in ("penalties", "grammar"):
            sampler = getattr(self, name, None)
            if sampler:
                llama_cpp.llama_sampler_free(sampler)
                setattr(self, name, None)

    def __del__(self) -> None:
        self.close()


class _Timing:
    """Wall time of one completion's forward passes and token picking."""

    def __init__(self) -> None:
        self.prompt_seconds = self.generation_seconds = self.sampling_seconds = 0.0
        self.prompt_tokens = self.generated_tokens = 0
        self.passes = self.guessed = 0  # forward passes while generating; draft tokens in them
        self.from_disk = 0  # prompt tokens whose KV state was loaded (storysum.llm.prefix_store)


_timing = _Timing()


def _draft_tokens(value: str) -> int:
    """Guesses per pass from ``STORYSUM_DRAFT_TOKENS``: 0 (off) to 8 (a pass over 8 tokens
    already costs 4 times a pass over one: 470 against 115 ms, measured on 2 cores)."""
    try:
        return max(0, min(int(value), 8))
    except ValueError:
        raise SystemExit(f"STORYSUM_DRAFT_TOKENS must be a whole number, not {value!r}") from None


_draft = PromptLookupDraft(
    max_tokens=_draft_tokens(os.environ.get("STORYSUM_DRAFT_TOKENS", str(MAX_TOKENS)))
)
_original_init_sampler = _llama.Llama._init_sampler
_original_eval = _llama.Llama.eval
_original_sample = _llama.Llama.sample
_original_create_completion = _llama.Llama.create_completion


def _eval(self: Any, tokens: Any) -> None:
    """``Llama.eval``, timed; a pass that carries guesses keeps the logits of every token.

    The first pass of a completion reads the prompt; the later ones each read the last token
    picked, and the draft's guesses after it when there are any.
    """
    started = time.perf_counter()
    # Llama.generate calls _init_sampler right before its first pass: that one reads the prompt.
    generating = not getattr(self, "_storysum_prompt_pending", True)
    asked = len(tokens)
    try:
        if not generating:
            tokens = _stored_prefix(self, list(tokens))
        if generating and self.draft_model is not None and len(tokens) > 1:
            _eval_every_logit(self, tokens)
        else:
            _original_eval(self, tokens)
    finally:
        spent = time.perf_counter() - started
        if generating:
            _timing.generation_seconds += spent
            _timing.passes += 1
            _timing.guessed += len(tokens) - 1
        else:
            _timing.prompt_seconds += spent
            _timing.prompt_tokens += asked - _timing.from_disk  # read, in one pass or two
            self._storysum_prompt_pending = False


def _prefix_store(self: Any) -> PrefixStore | None:
    folder = os.environ.get("STORYSUM_PREFIX_DIR")
    if not folder:
        return None
    if getattr(self, "_storysum_prefix_store", None) is None:
        self._storysum_prefix_store = PrefixStore(Path(folder), PrefixStore.identity_of(self))
    store: PrefixStore = self._storysum_prefix_store
    return store


def _system_turn(self: Any, tokens: list[int]) -> int:
    """The length of the prompt's system turn, when it opens the prompt and is long enough to
    keep (storysum.llm.prefix_store); else 0."""
    if not hasattr(self, "_storysum_turn_marker"):
        marker = self.tokenize(b"<|im_start|>", add_bos=False, special=True)
        self._storysum_turn_marker = marker[0] if len(marker) == 1 else None
    end = first_turn_end(tokens, self._storysum_turn_marker)
    if end < MIN_TOKENS or not self.detokenize(tokens[1:3]).startswith(b"system"):
        return 0
    return end


def _stored_prefix(self: Any, tokens: list[int]) -> list[int]:
    """Before a prompt is read into an empty cache: its system turn, loaded from the prefix
    store or else read in a pass of its own (and saved when there is a store). Returns the
    tokens left to read; ``n_tokens`` moves with them, so the same prompt is read.

    A prompt that follows another reuses the KV state the server already holds, as before.
    """
    if self.n_tokens:
        return tokens
    system = _system_turn(self, tokens)
    if not system:
        return tokens
    store = _prefix_store(self)
    if store is not None:
        self._ctx.kv_cache_seq_rm(-1, 0, -1)  # nothing stale beside the cells loaded
        if store.load(tokens[:system], self._ctx.ctx):
            self.input_ids[:system] = tokens[:system]
            self.n_tokens = system
            _timing.from_disk = system
            return tokens[system:]
    _original_eval(self, tokens[:system])
    if store is not None and not store.has(tokens[:system]):
        try:
            store.save(tokens[:system], self._ctx.ctx)
        except OSError as err:
            print(f"storysum: the system turn's state was not saved: {err}", file=sys.stderr,
                  flush=True)
    return tokens[system:]


def _eval_every_logit(self: Any, tokens: Any) -> None:
    """One forward pass over a few tokens, keeping each one's logits for the sampler.

    ``Llama.eval`` keeps only the last token's unless the model was loaded with
    ``logits_all``, which also keeps every prompt token's (a 4,096 x 151,936 array) and costs
    the prompt a pass over the output layer per token.
    """
    n_past = self.n_tokens
    self._ctx.kv_cache_seq_rm(-1, n_past, -1)
    self._batch.set_batch(batch=tokens, n_past=n_past, logits_all=True)
    self._ctx.decode(self._batch)
    self.input_ids[n_past : n_past + len(tokens)] = tokens
    self.n_tokens += len(tokens)
    self._requires_eval = False


def _sample(self: Any, *args: Any, **kw: Any) -> int:
    started = time.perf_counter()
    try:
        return int(_original_sample(self, *args, **kw))
    finally:
        _timing.sampling_seconds += time.perf_counter() - started
        _timing.generated_tokens += 1


def _report(started: float) -> None:
    t = _timing
    print(
        f"storysum timing: completion {time.perf_counter() - started:.3f} s; prompt "
        f"{t.prompt_tokens} tokens {t.prompt_seconds:.3f} s; generation "
        f"{t.generated_tokens} tokens {t.generation_seconds:.3f} s; sampling "
        f"{t.sampling_seconds:.3f} s; passes {t.passes}, guessed {t.guessed}; "
        f"from disk {t.from_disk} tokens",
        file=sys.stderr,
        flush=True,
    )


def _streamed(chunks: Iterator[Any], started: float) -> Iterator[Any]:
    try:
        yield from chunks
    finally:
        _report(started)


def _create_completion(self: Any, *args: Any, **kw: Any) -> Any:
    """One completion, timed. The server runs one at a time (its lock), so one ``_timing``
    serves; a streamed completion is reported when its last chunk has gone."""
    global _timing
    _timing = _Timing()
    started = time.perf_counter()
    result = _original_create_completion(self, *args, **kw)
    if isinstance(result, Iterator):
        return _streamed(result, started)
    _report(started)
    return result


def _init_sampler(self: Any, **kw: Any) -> Any:
    """``Llama._init_sampler``: :class:`GreedyGrammarSampler` for greedy grammar calls, and the
    prompt-lookup draft for every greedy call. ``Llama.generate`` calls it once per completion,
    before its first pass, and reads ``draft_model`` after every pass."""
    self._storysum_prompt_pending = True
    greedy = kw.get("temp", 0.8) == 0.0
    plain = greedy and kw.get("logits_processor") is None and kw.get("mirostat_mode", 0) == 0
    # Only where a kept guess is the model's own pick: greedy, nothing steering the logits.
    self.draft_model = _draft if plain and _draft.max_tokens else None
    if plain and kw.get("grammar") is not None:
        return GreedyGrammarSampler(
            self._model,
            self._n_vocab,
            kw["grammar"],
            self.last_n_tokens_size,
            kw.get("repeat_penalty", 1.0),
            kw.get("frequency_penalty", 0.0),
            kw.get("presence_penalty", 0.0),
        )
    return _original_init_sampler(self, **kw)


def install() -> None:
    """Make every ``Llama`` in this process use :func:`_init_sampler`, and time its work."""
    _llama.Llama._init_sampler = _init_sampler  # type: ignore[method-assign, assignment]
    _llama.Llama.eval = _eval  # type: ignore[method-assign]
    _llama.Llama.sample = _sample  # type: ignore[method-assign]
    _llama.Llama.create_completion = _create_completion  # type: ignore[method-assign]


def main() -> None:
    install()
    from llama_cpp.server.__main__ import main as serve

    sys.argv[0] = "storysum.llm.llama_server"
    serve()  # type: ignore[no-untyped-call]


if __name__ == "__main__":
    main()
