"""storysum.llm.prefix_store keeps the instructions' KV state from run to run, and the server
loads it only for a prompt that starts with exactly those tokens.

llama-cpp-python is not installed for the tests, so llama.cpp's sequence-state calls are stood
in for by a context holding bytes; bench/embedded.py --compare-prefix covers the real model
(the same brief, cold and warm).
"""

from __future__ import annotations

import importlib
import os
import sys
import types

import numpy as np
import pytest

from storysum.llm import prefix_store
from storysum.llm.prefix_store import KEEP, MIN_TOKENS, PrefixStore, first_turn_end

MARK = 9  # the model's <|im_start|>
SYSTEM = 10  # and "system" after it


class Context:
    """llama.cpp's context as the store sees it: sequence 0's state as bytes."""

    def __init__(self, state: bytes = b"", accepts: bool = True) -> None:
        self.state, self.accepts, self.cleared = state, accepts, 0


def fake_state_api(home: str = "/nonexistent/llama_cpp/__init__.py") -> types.SimpleNamespace:
    def get_data(ctx: Context, buf: object, size: int, seq: int) -> int:
        buf[: len(ctx.state)] = ctx.state  # type: ignore[index]
        return len(ctx.state)

    def set_data(ctx: Context, buf: object, size: int, seq: int) -> int:
        if not ctx.accepts:
            return 0
        ctx.state = bytes(buf)  # type: ignore[call-overload]
        return size

    def seq_rm(memory: Context, seq: int, start: int, end: int) -> bool:
        memory.cleared += 1
        return True

    return types.SimpleNamespace(
        __version__="0.3.36",
        __file__=home,
        llama_state_seq_get_size=lambda ctx, seq: len(ctx.state),
        llama_state_seq_get_data=get_data,
        llama_state_seq_set_data=set_data,
        llama_get_memory=lambda ctx: ctx,
        llama_memory_seq_rm=seq_rm,
    )


@pytest.fixture(autouse=True)
def state_api(monkeypatch):
    api = fake_state_api()
    monkeypatch.setattr(prefix_store, "_llama_cpp", lambda: api)


def test_a_saved_system_turn_loads_byte_for_byte_for_exactly_its_tokens_and_model(tmp_path):
    store = PrefixStore(tmp_path, "model A")
    system = list(range(100, 400))
    store.save(system, Context(b"kv of the system turn"))
    assert store.has(system)
    ctx = Context()
    assert store.load(system, ctx) and ctx.state == b"kv of the system turn"
    assert not store.load([*system[:-1], 7], Context())  # one token differs
    assert not store.load(system[:-1], Context())
    assert not PrefixStore(tmp_path, "model B").load(system, Context())  # another model


def test_a_state_llama_cpp_refuses_is_dropped_and_a_torn_file_is_not_used(tmp_path):
    store = PrefixStore(tmp_path, "model A")
    tokens = list(range(300))
    store.save(tokens, Context(b"state"))
    refusing = Context(accepts=False)
    assert not store.load(tokens, refusing)
    assert refusing.cleared == 1  # no half-loaded cells are left behind
    assert not store.has(tokens)  # deleted, so the state read instead is saved in its place
    path = store._name(tokens)
    for torn in (b"SSKVPFX1" + b"\0" * 20, b""):
        store.save(tokens, Context(b"state"))
        path.write_bytes(torn)
        assert not store.load(tokens, Context()) and not store.has(tokens)


def test_at_most_keep_files_stay_and_the_least_recently_used_go_first(tmp_path):
    store = PrefixStore(tmp_path, "model A")
    starts = [[k, *range(300)] for k in range(KEEP + 2)]
    for k, start in enumerate(starts[:KEEP]):
        store.save(start, Context(b"s"))
        os.utime(store._name(start), (1000 + k, 1000 + k))  # whatever the clock's grain
    assert store.load(starts[0], Context())  # used: now the most recent
    stale = tmp_path / "killed-while-saving.tmp"
    stale.write_bytes(b"partial")
    os.utime(stale, (1000, 1000))
    store.save(starts[KEEP], Context(b"s"))
    store.save(starts[KEEP + 1], Context(b"s"))
    assert len(list(tmp_path.glob("*.kv"))) == KEEP
    assert store.has(starts[0]) and not store.has(starts[1]) and not store.has(starts[2])
    assert store.has(starts[-1]) and not list(tmp_path.glob("*.tmp"))


def test_what_is_kept_ends_where_the_second_turn_starts():
    prompt = [MARK, 1, 2, 3, MARK, 4, 5, MARK, 6]
    assert first_turn_end(prompt, MARK) == 4  # never a later turn
    assert first_turn_end(prompt[:4], MARK) == 0  # the first turn not yet whole
    assert first_turn_end(prompt, None) == 0


@pytest.fixture
def server(monkeypatch, tmp_path):
    """storysum.llm.llama_server over a stand-in llama_cpp (see test_llama_sampler)."""
    from tests.test_llama_sampler import Grammar, fake_llama_cpp

    lib = fake_llama_cpp(Grammar(), [0.0] * 64)
    monkeypatch.setitem(sys.modules, "llama_cpp", lib)
    monkeypatch.setitem(sys.modules, "llama_cpp.llama", lib.llama)
    monkeypatch.delitem(sys.modules, "storysum.llm.llama_server", raising=False)
    monkeypatch.setenv("STORYSUM_PREFIX_DIR", str(tmp_path / "prefix"))
    module = importlib.import_module("storysum.llm.llama_server")
    yield module
    sys.modules.pop("storysum.llm.llama_server", None)


class KV:
    """The Llama's ``_ctx``: where the cache was cut, and the raw context handed to llama.cpp."""

    def __init__(self, state: bytes) -> None:
        self.ctx = Context(state)
        self.removed_from: list[int] = []

    def kv_cache_seq_rm(self, seq: int, start: int, end: int) -> None:
        self.removed_from.append(start)


def a_llama(module, tmp_path, state: bytes = b"") -> object:
    module.install()
    from llama_cpp.llama import Llama

    model = tmp_path / "model.gguf"
    if not model.exists():  # rewritten, it would be another model to the store (its mtime)
        model.write_bytes(b"GGUF")
    llm = Llama()
    llm.model_path = str(model)
    llm.context_params = types.SimpleNamespace(n_ctx=4096, type_k=1, type_v=1, flash_attn_type=1)
    llm.tokenize = lambda text, add_bos, special: [MARK]
    llm.detokenize = lambda tokens: b"system" if tokens[:1] == [SYSTEM] else b"user"
    llm._ctx = KV(state)
    llm.input_ids, llm.n_tokens = np.zeros(2048, dtype=np.intc), 0
    return llm


def reads(module) -> list[list[int]]:
    """llama-cpp-python's own eval, as far as the bookkeeping goes; returns what it read."""
    read: list[list[int]] = []

    def evaluate(self, tokens) -> None:
        self.input_ids[self.n_tokens : self.n_tokens + len(tokens)] = tokens
        self.n_tokens += len(tokens)
        read.append(list(tokens))

    module._original_eval = evaluate
    return read


def completion(module, llm, prompt: list[int]) -> None:
    module._create_completion(llm)  # a new timing record, as each completion starts
    llm._init_sampler(temp=0.0, grammar=None)  # Llama.generate: right before its first pass
    llm.eval(prompt)


INSTRUCTIONS = list(range(100, 100 + MIN_TOKENS))
SYSTEM_TURN = [MARK, SYSTEM, *INSTRUCTIONS]
CUT = len(SYSTEM_TURN)  # where the user's turn starts


def test_the_system_turn_is_read_in_a_pass_of_its_own_saved_and_loaded_by_a_new_server(
    server, tmp_path, capsys
):
    module = server
    read = reads(module)
    first = [*SYSTEM_TURN, MARK, 50, 51, 1, 2, 3]

    llm = a_llama(module, tmp_path, state=b"the system turn's cells")
    completion(module, llm, first)
    assert read == [first[:CUT], first[CUT:]]  # the same split with a store or without
    assert llm.n_tokens == len(first) and list(llm.input_ids[: len(first)]) == first
    assert module._timing.prompt_tokens == len(first)  # both passes counted as read
    assert len(list((tmp_path / "prefix").glob("*.kv"))) == 1

    llm.n_tokens = CUT + 3  # the next prompt reuses the cache the server holds, as before
    completion(module, llm, [4, 5])
    assert read[-1] == [4, 5] and llm._ctx.removed_from == [0] and llm.n_tokens == CUT + 5

    fresh = a_llama(module, tmp_path)  # a new run: the state is loaded, not read
    second = [*SYSTEM_TURN, MARK, 60, 61]
    completion(module, fresh, second)
    assert fresh._ctx.ctx.state == b"the system turn's cells"
    assert read[-1] == second[CUT:] and fresh.n_tokens == len(second)
    assert module._timing.prompt_tokens == len(second) - CUT  # loaded, not read
    assert list(fresh.input_ids[:CUT]) == second[:CUT]
    module._report(0.0)
    assert f"from disk {CUT} tokens" in capsys.readouterr().err


def test_without_a_folder_the_split_is_the_same_and_nothing_is_kept(server, tmp_path, monkeypatch):
    monkeypatch.delenv("STORYSUM_PREFIX_DIR")
    module = server
    read = reads(module)
    prompt = [*SYSTEM_TURN, MARK, 50, 51]
    completion(module, a_llama(module, tmp_path), prompt)
    assert read == [prompt[:CUT], prompt[CUT:]]
    assert not (tmp_path / "prefix").exists()


def test_a_prompt_that_opens_with_the_users_turn_is_read_whole_and_never_kept(server, tmp_path):
    """Without instructions the first turn is the user's: article text, never kept."""
    module = server
    read = reads(module)
    prompt = [MARK, 11, *INSTRUCTIONS, MARK, 12]
    completion(module, a_llama(module, tmp_path), prompt)
    short = [MARK, SYSTEM, 1, 2, MARK, 12]  # a system turn too short to be worth a pass
    completion(module, a_llama(module, tmp_path), short)
    assert read == [prompt, short] and not (tmp_path / "prefix").exists()
