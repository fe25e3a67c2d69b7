"""Scenario files: one module per scenario, see :mod:`harness.peer.scenario`."""
