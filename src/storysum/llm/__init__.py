"""LLM backends behind one small interface; the only package that talks to the network.

``StructuredLLM.structured(messages, response_model)`` is the one method a backend has. The
OpenAI-compatible backend serves every endpoint, the embedded one included: ``embedded``
only prepares the weights and runs llama.cpp's server on 127.0.0.1, so cassettes recorded
against it exercise exactly the client code a remote endpoint gets.
"""

from .base import Call, StructuredLLM
from .openai_compat import OpenAICompatible, is_transient

__all__ = ["Call", "OpenAICompatible", "StructuredLLM", "is_transient"]
