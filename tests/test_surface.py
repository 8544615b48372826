"""The public surface is deliberate: this test fails when it changes by accident."""

from __future__ import annotations

import storysum


def test_public_names_are_pinned():
    assert storysum.__all__ == sorted(storysum.__all__)
    assert set(storysum.__all__) == {
        "Article",
        "Brief",
        "ChunkExtraction",
        "ConfigError",
        "ExtractionError",
        "InputError",
        "ModelError",
        "NoArticlesError",
        "NumberCheck",
        "NumberVerdict",
        "Quantity",
        "QuoteCheck",
        "QuoteVerdict",
        "Settings",
        "Span",
        "StorysumError",
        "Verdict",
        "__version__",
        "asummarize",
        "parse_quantities",
        "summarize",
        "verify_numbers",
        "verify_quote",
    }
    for name in storysum.__all__:
        assert getattr(storysum, name) is not None


def test_every_error_is_a_storysum_error_with_its_own_exit_code():
    errors = [
        storysum.ConfigError,
        storysum.InputError,
        storysum.ModelError,
        storysum.ExtractionError,
    ]
    assert all(issubclass(e, storysum.StorysumError) for e in errors)
    assert len({e.exit_code for e in errors}) == len(errors)
    assert issubclass(storysum.NoArticlesError, storysum.InputError)
