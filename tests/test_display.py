"""wsconform.rendering.display: the at-a-glance end of a run."""

import copy

from tests.test_reports import document
from wsconform.model.reference import build, cell_key, compare
from wsconform.rendering import display


def test_the_glance_names_failed_and_drifted_cells_one_line_each(capsys):
    doc = document()
    doc["cells"][1]["outcomes"][0]["grade"] = {"grade": "failed", "reason": "r"}
    references = build(doc)
    del references["handshake-non-ready"]["cells"][cell_key(doc["cells"][0])]
    display.print_glance(doc, compare(doc, references), "reports/index.html")
    err = capsys.readouterr().err
    assert "failed or harness error: 1 cell\n" in err
    assert "  handshake-non-ready accept-close 14.2/default → fault: EOFError ← EOFError" in err
    # A cell the reference never measured is not a difference: counted apart, not listed.
    assert "differs from the reference: 0 cells\n" in err
    assert "not in the reference (never measured there): 1 cell\n" in err and "  new " not in err
    assert err.rstrip().endswith("dashboard: reports/index.html (full grids in the terminal: --tables)")


def test_the_glance_caps_each_list(capsys):
    doc = document()
    many = []
    for index in range(display.GLANCE_LINES + 5):
        cell = copy.deepcopy(doc["cells"][1])
        cell["variant"] = f"v{index}"
        cell["outcomes"][0]["grade"] = {"grade": "failed", "reason": "r"}
        many.append(cell)
    doc["cells"] = many
    display.print_glance(doc, None, "index.html")
    err = capsys.readouterr().err
    assert f"failed or harness error: {display.GLANCE_LINES + 5} cells" in err
    assert "… and 5 more in the dashboard" in err
    assert "differs from the reference" not in err  # no reference: nothing said about drift
