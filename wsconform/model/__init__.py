"""Runs, cells and verdicts: what the matrix is and what its results mean.

Peers and cells (:mod:`~wsconform.model.matrix`), outcomes and their answers
(:mod:`~wsconform.model.outcomes`), the results document, the committed
reference and drift, the statistics behind verdicts, the classification of a
cell, the upgrade comparison and history timelines. Pure data and decisions:
nothing here starts a process, prints or renders.
"""
