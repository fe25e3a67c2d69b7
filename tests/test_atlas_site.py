"""The atlas site: its files, what each says, and how they are written."""

from __future__ import annotations

import json
import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.atlas_document import ODD, atlas_document, previous_of
from tests.test_reports import SCRIPT
from wsconform.execution import outputs
from wsconform.model import reference
from wsconform.model.reference import build, compare
from wsconform.rendering import atlas

DATA_FILE = re.compile(r'wsconformAtlas\("[a-z][0-9]+","[A-Za-z0-9+/=]*"\);\n')


@pytest.fixture(scope="module")
def files():
    document = atlas_document()
    return atlas.site(document, compare(document, build(previous_of(document))))


def data(files, kind, name):
    index = json.loads(re.search(r'id="atlas-index">(.*?)</script>', files["index.html"]).group(1))
    return atlas.read_data_file(files[f"{atlas.DATA}/{index[kind][name]}.js"])


def test_the_site_is_a_front_page_and_data_files_named_by_number(files):
    names = sorted(files)
    assert names[-1] == "index.html"
    assert all(re.fullmatch(r"atlas-data/[prs][0-9]+\.js", name) for name in names[:-1])
    assert len(names) == 1 + 9 + 3 + 2  # the page, 9 pairs, 3 releases, 2 scenarios
    assert all(DATA_FILE.fullmatch(files[name]) for name in names[:-1])


def test_the_front_page_is_the_grid_with_failures_and_what_is_specific_to_each_pair(files):
    page = files["index.html"]
    assert page.count('<td class="pair') == 9
    assert '<a href="#pair:8.1/14.2">✗1</a>' in page
    odd = 'class="pair worst-specific-ok new" title="14.2 → 10.4: 1 cells · 1 specific to the pair (1 ok) · 1 new'
    assert odd in page
    assert '<a href="#release:8.1">8.1</a><span class="own-deviations">⚑1</span>' in page
    assert "1 of 9 pairs fail somewhere" in page
    assert "Against the reference (for the atlas: the previous atlas): 1 cells answer otherwise" in page
    assert "6 cells new (never measured there; not a difference)" in page
    assert SCRIPT not in page and "odd" not in page  # no cell's answer on the front page


def test_a_pairs_file_says_why_each_cell_is_or_is_not_specific_to_it(files):
    pair = data(files, "pairs", "8.1/14.2")
    (failed,) = pair["cells"]
    assert (failed["attribution"], failed["grade"], failed["failed"]) == ("pair", "failed", True)
    assert failed["own"] == {"client": "old-server", "server": "fine"}
    assert failed["link"] == "echo/v/8.1/14.2"
    detail = pair["details"][failed["detail"]]
    assert detail["outcomes"][0]["label"] == "EOFError"
    odd = data(files, "pairs", "14.2/10.4")["cells"][0]
    assert odd["text"] == ODD and odd["attribution"] == "pair" and odd["drift"] == "new"
    drifted = data(files, "pairs", "10.4/8.1")["cells"][0]
    assert (drifted["attribution"], drifted["drift"]) == ("server", "changed")
    assert drifted["drift_line"].startswith("changed")


def test_a_releases_file_holds_its_own_cells_once(files):
    release = data(files, "releases", "8.1")
    assert sorted((c["scenario"], c["server"], c["grade"]) for c in release["cells"]) == [
        ("echo", "8.1", "non-strict"),
        ("handshake-non-ready", "fault", "ok"),
    ]


def test_a_scenarios_grids_draw_change_points_as_borders(files):
    fault = data(files, "scenarios", "handshake-non-ready")
    (grid,) = fault["grids"]
    assert grid["rows"] == ["8.1", "10.4", "14.2"] and grid["columns"] == ["accept-close"]
    assert grid["legend"] == ["InvalidMessage", "EOFError"]
    assert [cells[0][0] for cells in grid["cells"]] == [["A"], ["A"], ["B"]]
    assert grid["borders"] == {"top": [[2, 0]], "left": []}  # between 10.4 and 14.2
    (line,) = grid["changes"]
    assert line.startswith("handshake-non-ready accept-close · client 10.4 → 14.2, server fault: ")
    assert "InvalidMessage → EOFError" in line
    (echo,) = data(files, "scenarios", "echo")["grids"]
    # Server 14.2: 8.1's client fails, 10.4's does not (a border above 10.4, column 14.2);
    # client 14.2: 8.1 → 10.4 → 14.2 answer old-server, odd, fine (borders left of 10.4 and 14.2).
    assert [1, 2] in echo["borders"]["top"]
    assert [2, 1] in echo["borders"]["left"] and [2, 2] in echo["borders"]["left"]
    assert len(echo["borders"]["top"]) + len(echo["borders"]["left"]) == len(echo["changes"])


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda children: st.lists(children) | st.dictionaries(st.text(), children),
        max_leaves=20,
    ),
    st.text(string.ascii_lowercase, min_size=1, max_size=1),
    st.integers(0, 10**6),
)
def test_any_value_survives_a_data_file_which_holds_nothing_but_base64(value, kind, number):
    text = atlas.data_file(f"{kind}{number}", value)
    assert DATA_FILE.fullmatch(text)
    assert atlas.read_data_file(text) == value


def test_the_dashboard_becomes_the_atlas_above_its_size_or_when_asked(tmp_path, monkeypatch):
    document = atlas_document()
    outputs.write(document, tmp_path, None)
    assert 'id="dashboard-data"' in (tmp_path / "index.html").read_text()
    assert not (tmp_path / atlas.DATA).exists()
    outputs.write(document, tmp_path, None, outputs.Layout.ATLAS)
    assert 'id="atlas-index"' in (tmp_path / "index.html").read_text()
    assert len(list((tmp_path / atlas.DATA).iterdir())) == 14
    (tmp_path / atlas.DATA / "p99.js").write_text("stale")
    monkeypatch.setattr(outputs, "ATLAS_CELLS", len(document["cells"]) - 1)
    outputs.write(document, tmp_path, None)  # auto, and above the size: the atlas again, replaced whole
    assert not (tmp_path / atlas.DATA / "p99.js").exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == [atlas.DATA, "index.html", "summary.md"]
    outputs.write(document, tmp_path, None, outputs.Layout.PAGE)  # and back: the atlas's data goes with its page
    assert sorted(path.name for path in tmp_path.iterdir()) == ["index.html", "summary.md"]


def test_a_site_that_cannot_be_written_leaves_the_previous_one_whole(tmp_path, monkeypatch):
    document = atlas_document()
    outputs.write(document, tmp_path, None, outputs.Layout.ATLAS)
    before = {path.name: path.read_bytes() for path in (tmp_path / atlas.DATA).iterdir()}
    page = (tmp_path / "index.html").read_bytes()
    written = []

    def full_disk(self, text, encoding=None):
        if len(written) == 3:
            raise OSError(28, "No space left on device")
        written.append(self)
        return len(text)

    monkeypatch.setattr(type(tmp_path), "write_text", full_disk)
    with pytest.raises(OSError):
        outputs.write_site(tmp_path, atlas.site(document, None))
    monkeypatch.undo()
    assert {path.name: path.read_bytes() for path in (tmp_path / atlas.DATA).iterdir()} == before
    assert (tmp_path / "index.html").read_bytes() == page
    assert sorted(path.name for path in tmp_path.iterdir()) == [atlas.DATA, "index.html", "summary.md"]


def test_the_layout_is_chosen_on_the_command_line(tmp_path, capsys):
    from tests.test_hostile_inputs import valid_document
    from wsconform.cli.main import main
    from wsconform.model import results

    path = results.save(tmp_path / "results.json", valid_document())  # a real run's shape, without harness errors
    code = main(["report", "--results", str(path), "--layout", "atlas", "--reference", str(tmp_path / "none")])
    assert code == results.exit_code_for(results.load(path))  # the results' own exit code, as always
    assert (tmp_path / atlas.DATA).is_dir()
    assert main(["report", "--results", str(path), "--layout", "sideways"]) == 2
    assert "invalid Layout value: 'sideways'" in capsys.readouterr().err
    # check, writing the reports of --results, takes it too.
    saved = reference.save(tmp_path / "reference", reference.build(results.load(path)))
    assert saved
    outputs.write(results.load(path), tmp_path, None, outputs.Layout.PAGE)
    assert not (tmp_path / atlas.DATA).exists()
    main(["check", "--results", str(path), "--reference", str(tmp_path / "reference"), "--layout", "atlas"])
    assert (tmp_path / atlas.DATA).is_dir()
