"""storysum's benchmarks: ``python -m bench`` runs them all and prints one table.

Each module also runs on its own (``python bench/validator.py``, ``python bench/merge.py``,
``python bench/pipeline.py``, ``python bench/tokens.py``, ``python bench/embedded.py``) and
exposes the function the runner calls, which returns its numbers instead of printing them.
"""
