"""Scenario files: one module per scenario, see :mod:`wsconform.peer.scenario`."""
