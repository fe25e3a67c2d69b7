"""What people read: progress and tables in the terminal, the dashboard
(HTML), ``summary.md`` and upgrade reports (Markdown, HTML), JUnit XML.

Renderers turn documents and model objects into text; they never run cases
and never decide a verdict (:mod:`wsconform.model` does).
"""
