"""Sphinx configuration: ``nox -s docs`` builds the site into ``docs/_build/html``
with warnings as errors."""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path[:0] = [str(DOCS.parent), str(DOCS / "_ext")]

from wsconform import __version__  # noqa: E402

project = "websockets conformance matrix"
author = "the websockets-conformance developers"
copyright = "2026, the websockets-conformance developers"
release = __version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "sphinxarg.ext",
    "harness_docs",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
exclude_patterns = ["_build"]
html_theme = "furo"
html_title = "websockets conformance matrix"
html_static_path = ["_static"]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "undoc-members": False}
# Links out of the site are to upstream's documentation and issues.
linkcheck_ignore = [r".*"]
