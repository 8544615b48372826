"""The fixed instructions' KV state, kept on disk from one run to the next.

Every extraction call starts with the same system turn: the instructions and the function's
schema, 771 tokens on the embedded model. Within a run llama.cpp reads them once and reuses
their KV state; across runs each server read them again (25.7 s of a seeds run on 2 cores,
``bench/embedded.py --compare-prefix``). This store keeps that state in a file, so a new
run's first call reads only its own article.

What is kept is the prompt's first turn, and only when that is the system turn (up to the
model's next ``<|im_start|>`` token): the instructions, never an article's text, not even
when a re-ask repeats a whole conversation. A file is used only with the same model file and
llama.cpp libraries (path, size, modification time of each), the same llama-cpp-python
version and the same context settings (size, batch sizes, KV types, flash attention), and
only for a prompt whose system turn is exactly its tokens. llama.cpp itself refuses a state
whose layout does not fit the context; a file it refuses, or a torn one, is deleted and the
system turn read (and saved again).

The server always reads a prompt's system turn in a pass of its own, store or not, and then
the rest (storysum.llm.llama_server): a pass's arithmetic depends a little on which tokens
share it, so with the same split a loaded state gives exactly the answers a read one does
(bench/embedded.py --compare-prefix checks it: the same brief cold and warm), and cassettes
recorded without a store hold for runs with one. At most :data:`KEEP` files are
kept, the least recently used going first.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import struct
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MAGIC = b"SSKVPFX1"
KEEP = 8
MIN_TOKENS = 256  # a shorter system turn is not worth a pass of its own, nor a file
STALE_SECONDS = 600  # a .tmp file this old was left by a server killed while saving
_HEADER = struct.Struct("<8s32sI")  # magic, identity digest, token count


class PrefixStore:
    """Saved KV states of prompt starts, for one model and context (``identity``)."""

    def __init__(self, folder: Path, identity: str) -> None:
        self.folder = folder
        self.identity = hashlib.sha256(identity.encode("utf-8")).digest()

    @staticmethod
    def identity_of(llama: Any) -> str:
        """What a saved state and the answers after it depend on besides the tokens: the model
        file, llama.cpp's libraries as installed, and the context's settings (the batch sizes
        too, since they decide how a turn is split into passes)."""
        lib = _llama_cpp()
        files = [Path(llama.model_path)]
        files += sorted(Path(lib.__file__).parent.joinpath("lib").glob("*.so*"))
        stamps = []
        for file in files:
            st = file.stat()
            stamps.append(f"{file.resolve()}:{st.st_size}:{st.st_mtime_ns}")
        params = llama.context_params
        names = ("n_ctx", "n_batch", "n_ubatch", "type_k", "type_v", "flash_attn_type")
        settings = [getattr(params, name, None) for name in names]
        return f"{'|'.join(stamps)}|{lib.__version__}|{settings}"

    def _files(self) -> list[Path]:
        """Newest first; a file another process removes meanwhile is left out."""
        dated = []
        for path in self.folder.glob("*.kv"):
            try:
                dated.append((path.stat().st_mtime, path))
            except OSError:
                continue
        return [path for _, path in sorted(dated, reverse=True)]

    def _name(self, tokens: Sequence[int]) -> Path:
        digest = hashlib.sha256(self.identity + _token_bytes(tokens)).hexdigest()
        return self.folder / f"{digest[:40]}.kv"

    def has(self, tokens: Sequence[int]) -> bool:
        return self._name(tokens).is_file()

    def load(self, tokens: Sequence[int], ctx: Any) -> bool:
        """Put the state saved for exactly ``tokens`` into sequence 0 of ``ctx``.

        False, with nothing kept, when there is none, the file is not whole, or llama.cpp
        refuses it (a layout that does not fit the context)."""
        path = self._name(tokens)
        try:
            data = path.read_bytes()
        except OSError:
            return False
        # The name already hashes identity and tokens; the header says so in full.
        head = _HEADER.pack(MAGIC, self.identity, len(tokens)) + _token_bytes(tokens)
        state = data[len(head) :]
        lib = _llama_cpp()
        if (
            not data.startswith(head)
            or not state
            or lib.llama_state_seq_set_data(
                ctx, (ctypes.c_uint8 * len(state)).from_buffer_copy(state), len(state), 0
            )
            != len(state)
        ):
            lib.llama_memory_seq_rm(lib.llama_get_memory(ctx), -1, -1, -1)
            # Torn, or refused: gone, so the state read instead is saved in its place.
            path.unlink(missing_ok=True)
            return False
        with contextlib.suppress(OSError):  # evicted or cleared meanwhile: loaded all the same
            os.utime(path)  # recently used
        return True

    def save(self, tokens: Sequence[int], ctx: Any) -> None:
        """Write sequence 0 of ``ctx``, which must hold exactly ``tokens``."""
        lib = _llama_cpp()
        size = lib.llama_state_seq_get_size(ctx, 0)
        buf = (ctypes.c_uint8 * size)()
        written = lib.llama_state_seq_get_data(ctx, buf, size, 0)
        if not written:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self._name(tokens)
        fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(_HEADER.pack(MAGIC, self.identity, len(tokens)))
                out.write(_token_bytes(tokens))
                out.write(bytes(buf)[:written])
            os.replace(tmp, target)  # readers see the old file or the whole new one
        finally:
            Path(tmp).unlink(missing_ok=True)
        for old in self._files()[KEEP:]:
            old.unlink(missing_ok=True)
        now = time.time()
        for tmp_file in self.folder.glob("*.tmp"):
            with contextlib.suppress(OSError):
                if now - tmp_file.stat().st_mtime > STALE_SECONDS:
                    tmp_file.unlink()


def _llama_cpp() -> Any:
    """llama-cpp-python, imported when first used: storysum[local] only (tests stand in)."""
    import llama_cpp

    return llama_cpp


def _token_bytes(tokens: Sequence[int]) -> bytes:
    return struct.pack(f"<{len(tokens)}i", *tokens)


def first_turn_end(tokens: Sequence[int], marker: int | None) -> int:
    """Where the second turn starts (the first turn's end); 0 without a second turn."""
    if marker is None:
        return 0
    return next((i for i in range(1, len(tokens)) if tokens[i] == marker), 0)
