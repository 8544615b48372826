"""storysum: one verified brief from many articles about one story.

    >>> import storysum
    >>> brief = storysum.summarize(["seeds/"])             # the embedded model, no key
    >>> storysum.verify_numbers("over 8 million reservists", article_text)

The public surface is this module's ``__all__``; everything else may change.
"""

from .config import Settings
from .errors import (
    ConfigError,
    ExtractionError,
    InputError,
    ModelError,
    NoArticlesError,
    StorysumError,
)
from .models import Article, Brief, ChunkExtraction, Span, Verdict
from .number_checks import NumberCheck, NumberVerdict, verify_numbers
from .numbers import Quantity, parse_quantities
from .pipeline import asummarize, summarize
from .quotes import QuoteCheck, QuoteVerdict, verify_quote

__version__ = "0.1.0"

__all__ = [
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
]
