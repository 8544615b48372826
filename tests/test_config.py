"""Settings: argument > environment > default; the key never shows."""

from __future__ import annotations

import pytest

from storysum.config import EMBEDDED_MODEL_NAME, Settings
from storysum.errors import ConfigError


def test_nothing_configured_means_the_embedded_model():
    s = Settings.resolve(env={})
    assert s.backend == "embedded"
    assert s.effective_model == EMBEDDED_MODEL_NAME
    assert s.effective_concurrency == 1


def test_environment_then_arguments():
    env = {
        "OPENAI_BASE_URL": "http://127.0.0.1:8000/v1",
        "STORYSUM_MODEL": "m-env",
        "STORYSUM_CONCURRENCY": "3",
    }
    s = Settings.resolve(env=env)
    assert (s.backend, s.effective_base_url, s.effective_model, s.effective_concurrency) == (
        "openai",
        "http://127.0.0.1:8000/v1",
        "m-env",
        3,
    )
    s = Settings.resolve(env=env, model="m-arg", concurrency=None)
    assert s.effective_model == "m-arg" and s.effective_concurrency == 3


def test_a_key_alone_means_openai():
    s = Settings.resolve(env={"OPENAI_API_KEY": "sk-test-abcdefghijklmnopqrstuvwxyz"})
    assert s.backend == "openai" and s.effective_base_url == "https://api.openai.com/v1"
    assert "abcdefghij" not in repr(s) and "abcdefghij" not in str(s.model_dump())


def test_bad_environment_value_names_the_variable():
    with pytest.raises(ConfigError, match="STORYSUM_CONCURRENCY") as info:
        Settings.resolve(env={"STORYSUM_CONCURRENCY": "lots"})
    assert info.value.variable == "STORYSUM_CONCURRENCY"
