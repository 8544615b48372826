"""storysum.llm.llama_server's greedy grammar sampler picks what llama-cpp-python's chain
(penalties -> grammar over every token -> greedy) picks, asking the grammar about the whole
vocabulary only when it refuses the best token.

llama-cpp-python is not installed for the tests (it needs the embedded model's build), so its
C API is stood in for by a small module with the same names: ``llama_token_data`` arrays
handled through real ctypes structures, and a grammar that allows a fixed set of token ids.
The recorded cassettes cover the real server; this covers the choice of token.
"""

from __future__ import annotations

import ctypes
import importlib
import math
import random
import sys
import types

import numpy as np
import pytest

VOCAB = 64


class llama_token_data(ctypes.Structure):  # the C name
    _fields_ = [("id", ctypes.c_int32), ("logit", ctypes.c_float), ("p", ctypes.c_float)]


class llama_token_data_array(ctypes.Structure):  # the C name
    _fields_ = [
        ("data", ctypes.POINTER(llama_token_data)),
        ("size", ctypes.c_size_t),
        ("selected", ctypes.c_int64),
        ("sorted", ctypes.c_bool),
    ]


class Grammar:
    def __init__(self) -> None:
        self.allowed: set[int] = set()
        self.applied_to: list[int] = []  # the size of every candidate array it was asked about
        self.accepted: list[int] = []


class Penalties:
    def __init__(self) -> None:
        self.accepted: list[int] = []


def fake_llama_cpp(grammar: Grammar, logits: list[float]) -> types.ModuleType:
    lib = types.ModuleType("llama_cpp")
    lib.llama_token_data = llama_token_data
    lib.llama_token_data_array = llama_token_data_array
    lib.llama_sampler_init_penalties = lambda *args: Penalties()
    lib.llama_sampler_init_grammar = lambda vocab, text, root: grammar
    row = (ctypes.c_float * VOCAB)()

    def get_logits(ctx: object, idx: int) -> object:
        row[:] = logits
        return ctypes.cast(row, ctypes.POINTER(ctypes.c_float))

    def apply(sampler: object, ref: object) -> None:
        arr = ref._obj  # type: ignore[attr-defined]
        if isinstance(sampler, Grammar):
            sampler.applied_to.append(arr.size)
            for i in range(arr.size):
                if arr.data[i].id not in sampler.allowed:
                    arr.data[i].logit = -math.inf

    lib.llama_get_logits_ith = get_logits
    lib.llama_sampler_apply = apply
    lib.llama_sampler_accept = lambda sampler, token: sampler.accepted.append(token)
    lib.llama_sampler_reset = lambda sampler: None
    lib.llama_sampler_free = lambda sampler: None

    llama = types.ModuleType("llama_cpp.llama")

    class Llama:
        def _init_sampler(self, **kw: object) -> str:
            return "llama-cpp-python's chain"

        def eval(self, tokens: object) -> None: ...

        def sample(self, *args: object, **kw: object) -> int:
            return 0

        def create_completion(self, *args: object, **kw: object) -> dict[str, str]:
            return {}

    llama.Llama = Llama
    lib.llama = llama
    return lib


@pytest.fixture
def server(monkeypatch):
    grammar, logits = Grammar(), [0.0] * VOCAB
    lib = fake_llama_cpp(grammar, logits)
    monkeypatch.setitem(sys.modules, "llama_cpp", lib)
    monkeypatch.setitem(sys.modules, "llama_cpp.llama", lib.llama)
    monkeypatch.delitem(sys.modules, "storysum.llm.llama_server", raising=False)
    module = importlib.import_module("storysum.llm.llama_server")
    yield module, grammar, logits
    sys.modules.pop("storysum.llm.llama_server", None)


def make(module, grammar):
    model = types.SimpleNamespace(vocab=object())
    rules = types.SimpleNamespace(_grammar="root ::= [a]", _root="root")
    return module.GreedyGrammarSampler(model, VOCAB, rules, 64, 1.0, 0.0, 0.0)


def test_the_token_is_the_best_one_the_grammar_allows(server):
    module, grammar, logits = server
    rng = random.Random(7)
    sampler = make(module, grammar)
    context = types.SimpleNamespace(ctx=None)
    for _ in range(300):
        logits[:] = [rng.uniform(-5, 5) for _ in range(VOCAB)]
        grammar.allowed = set(rng.sample(range(VOCAB), rng.randint(1, VOCAB)))
        best_allowed = max(grammar.allowed, key=lambda t: (logits[t], -t))
        assert sampler.sample(context, -1) == best_allowed
    # Both the grammar and the penalties saw every token chosen.
    assert grammar.accepted == sampler.penalties.accepted and len(grammar.accepted) == 300


def test_the_whole_vocabulary_is_matched_only_when_the_best_token_is_refused(server):
    module, grammar, logits = server
    sampler = make(module, grammar)
    context = types.SimpleNamespace(ctx=None)
    logits[:] = [float(i) for i in range(VOCAB)]  # the best token is the last
    grammar.allowed = {VOCAB - 1, 3}
    assert sampler.sample(context, -1) == VOCAB - 1
    assert grammar.applied_to == [1] and sampler.full_matches == 0
    grammar.allowed = {3, 5}
    assert sampler.sample(context, -1) == 5
    assert grammar.applied_to == [1, 1, VOCAB] and sampler.full_matches == 1


def installed_llama(module):
    """A stand-in ``Llama`` with the server's changes installed, and a grammar for it."""
    module.install()
    from llama_cpp.llama import Llama

    llm = Llama()
    llm._model, llm._n_vocab, llm.last_n_tokens_size = types.SimpleNamespace(vocab=0), VOCAB, 64
    return llm, types.SimpleNamespace(_grammar="root ::= [a]", _root="root")


def test_only_greedy_grammar_requests_get_the_new_sampler(server):
    module, _, _ = server
    llm, rules = installed_llama(module)
    picked = llm._init_sampler(temp=0.0, grammar=rules, logits_processor=None)
    assert isinstance(picked, module.GreedyGrammarSampler)
    assert llm._init_sampler(temp=0.8, grammar=rules) == "llama-cpp-python's chain"
    assert llm._init_sampler(temp=0.0, grammar=None) == "llama-cpp-python's chain"


def test_greedy_requests_get_the_prompt_lookup_draft_and_others_none(server):
    module, _, _ = server
    llm, rules = installed_llama(module)
    llm._init_sampler(temp=0.0, grammar=rules, logits_processor=None)
    assert isinstance(llm.draft_model, module.PromptLookupDraft)
    llm._init_sampler(temp=0.0, grammar=None)  # greedy without a grammar: still the model's pick
    assert isinstance(llm.draft_model, module.PromptLookupDraft)
    # Sampled or steered requests: a kept guess would not be the model's own pick.
    llm._init_sampler(temp=0.8, grammar=rules)
    assert llm.draft_model is None
    llm._init_sampler(temp=0.0, grammar=rules, logits_processor=[print])
    assert llm.draft_model is None


class Recorder:
    """Stands in for llama.cpp's context and batch: records what a pass was asked for."""

    def __init__(self) -> None:
        self.passes: list[tuple[list[int], int, bool]] = []
        self.removed_from: list[int] = []

    def set_batch(self, batch: list[int], n_past: int, logits_all: bool) -> None:
        self.passes.append((list(batch), n_past, logits_all))

    def decode(self, batch: object) -> None: ...

    def kv_cache_seq_rm(self, seq: int, start: int, end: int) -> None:
        self.removed_from.append(start)


def test_a_pass_with_guesses_keeps_every_tokens_logits_and_the_prompt_pass_does_not(
    server, capsys
):
    module, _, _ = server
    llm, _ = installed_llama(module)
    original = []
    module._original_eval = lambda self, tokens: original.append(list(tokens))
    llm._ctx = llm._batch = Recorder()
    llm.input_ids, llm.n_tokens = np.zeros(64, dtype=np.intc), 10
    module._create_completion(llm)  # a new timing record, as each completion starts
    llm._init_sampler(temp=0.0, grammar=None)  # Llama.generate: right before its first pass
    llm.eval([1, 2, 3, 4, 5])  # the prompt: llama-cpp-python's own pass
    assert original == [[1, 2, 3, 4, 5]] and llm._batch.passes == []
    llm.eval([6])  # the token picked, no guess: also its own
    llm.eval([7, 8, 9])  # the token picked and two guesses: every token's logits
    assert original == [[1, 2, 3, 4, 5], [6]]
    assert llm._batch.passes == [([7, 8, 9], 10, True)]
    assert llm._ctx.removed_from == [10]  # what followed the last kept token is dropped first
    assert llm.n_tokens == 13 and list(llm.input_ids[10:13]) == [7, 8, 9]
    t = module._timing
    assert (t.prompt_tokens, t.passes, t.guessed) == (5, 2, 2)
    module._report(0.0)
    assert "passes 2, guessed 2" in capsys.readouterr().err

    # The next completion's first pass reads its prompt again, even a short or empty one
    # (a prompt wholly in the cache): never a pass that asks for logits it does not keep.
    module._create_completion(llm)
    llm._init_sampler(temp=0.0, grammar=None)
    llm.eval([11, 12])
    assert original[-1] == [11, 12] and len(llm._batch.passes) == 1
    module._create_completion(llm)
    llm._init_sampler(temp=0.0, grammar=None)
    llm.eval([])
    assert original[-1] == [] and module._timing.passes == 0


@pytest.mark.parametrize(("value", "tokens"), [("0", 0), ("2", 2), ("50", 8), ("-1", 0)])
def test_the_number_of_guesses_is_set_by_the_environment_within_bounds(
    server, monkeypatch, value, tokens
):
    monkeypatch.setenv("STORYSUM_DRAFT_TOKENS", value)
    module, _, _ = server
    module = importlib.reload(module)
    assert module._draft.max_tokens == tokens
    llm, _ = installed_llama(module)
    llm._init_sampler(temp=0.0, grammar=None)
    assert (llm.draft_model is None) == (tokens == 0)


def test_a_bad_number_of_guesses_stops_the_server_with_one_line(server, monkeypatch):
    monkeypatch.setenv("STORYSUM_DRAFT_TOKENS", "three")
    module, _, _ = server
    with pytest.raises(SystemExit, match="STORYSUM_DRAFT_TOKENS must be a whole number"):
        importlib.reload(module)
