"""The vocabulary and the data formats: the words every layer shares
(:mod:`~wsconform.core.vocabulary`), the exit-code contract, the documents the
harness reads and writes, atomic files and locks, and recorded text made inert.

Nothing here knows about runs, cells or verdicts: it imports no other layer.
"""
