"""The procedures in the running workstation: a new incident gets its default procedure from
the starter, one reported while no workstation ran is caught up, and a procedure file in the
user's folder is reloaded when it changes on disk, or refused with its line while the previous
version stays in force."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.commands import ReportIncident
from core.events import EventType
from core.local_backend import LocalBackend
from core.notices import Notice
from core.sop.starter import ACTOR
from tests.gui.live_station import LiveStation, lite_city, live_station
from ui.procedures import user_procedure_dir
from ui.situation_rules import write_atomically

FIRE = """\
id = "fire-test"
version = 1
title_ko = "화재 시험 절차"
title_en = "Fire, for the tests"
service = "fire_dispatch"
incident_types = ["F-FIRE"]

[[share]]
to = "fire"
data = ["summary", "video_link"]
purpose_ko = "화재 진압"
purpose_en = "fire fighting"

[[timer]]
id = "first-video"
label_ko = "첫 영상"
label_en = "First video"
target_s = 60
stop = ["camera.viewed"]

[[step]]
id = "cameras"
title_ko = "인근 CCTV 확인"
title_en = "See the scene on camera"
action = { kind = "open_cameras", count = 4 }
mandatory = true
due_s = 60

[[step]]
id = "blocked"
title_ko = "진입로가 막혔습니까?"
title_en = "Is the access road blocked?"
answers = [
  { id = "yes", label_ko = "예", label_en = "Yes", next = "plates" },
  { id = "no", label_ko = "아니오", label_en = "No", next = "out" },
]

[[step]]
id = "plates"
title_ko = "차량번호 판독"
title_en = "Read the plates"

[[step]]
id = "out"
title_ko = "진화 완료"
title_en = "Fire out"
owner = "fire"
end = true
"""

OWN = """\
id = "own-accident"
version = 1
title_ko = "교통사고 현장 확인"
title_en = "Traffic accident, seen on camera"
service = "traffic"
incident_types = ["T-ACC"]

[[step]]
id = "cameras"
title_ko = "인근 CCTV 확인"
title_en = "See the scene on the nearest cameras"
due_s = 60

[[step]]
id = "police"
title_ko = "경찰 통보"
title_en = "Tell the police"
"""


@pytest.fixture
def own_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's procedure folder, in the test's own data folder, with one procedure; the
    shipped folder holds only the fire procedure, so which types have one is known here."""
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    (shipped / "fire-test.toml").write_text(FIRE, encoding="utf-8")
    monkeypatch.setattr("ui.app.SOP_DIR", shipped)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    folder = user_procedure_dir()
    folder.mkdir(parents=True)
    (folder / "own-accident.toml").write_text(OWN, encoding="utf-8")
    return folder


def report(station: LiveStation, type_code: str) -> str:
    lat, lon = lite_city().district("11230").centroid
    command = ReportIncident(type_code, lat, lon, "11230")
    return str(station.backend.submit(command, "agency:119").result()[0].subject)


def started_by(station: LiveStation, incident_id: str) -> list[str]:
    records = station.backend.incident_events(incident_id).result()
    return [r.actor for r in records if r.type == EventType.PROCEDURE_STARTED]


def notices(station: LiveStation, *words: str) -> list[Notice]:
    return [n for n in station.context.notices.history if all(w in n.text for w in words)]


def loaded(qtbot: Any, station: LiveStation) -> None:
    qtbot.waitUntil(lambda: station.services.procedures.starter is not None, timeout=10_000)


def test_new_incidents_get_their_procedure_from_both_folders(
    qtbot: Any, tmp_path: Path, own_folder: Path
) -> None:
    with live_station(qtbot, tmp_path / "ws") as station:
        loaded(qtbot, station)
        assert station.context.procedures.folders[-1] == own_folder
        fire, accident, bin_full = (report(station, t) for t in ("F-FIRE", "T-ACC", "E-BIN"))
        incidents = station.context.store.state.incidents

        def both_started() -> bool:
            return all(
                i in incidents and incidents[i].procedure is not None for i in (fire, accident)
            )

        qtbot.waitUntil(both_started, timeout=10_000)
        assert started_by(station, fire) == [ACTOR] == ["system:procedures"]
        run = incidents[accident].procedure
        assert run is not None and run.procedure_id == "own-accident"
        assert run.started_by == "system:procedures"
        assert incidents[fire].procedure.procedure_id == "fire-test"  # type: ignore[union-attr]
        assert started_by(station, bin_full) == []  # a bin full has no procedure


def test_an_incident_reported_while_no_workstation_ran_is_caught_up(
    qtbot: Any, tmp_path: Path, own_folder: Path
) -> None:
    folder = tmp_path / "ws"
    folder.mkdir()
    backend = LocalBackend.open(folder / "events.db")
    lat, lon = lite_city().district("11230").centroid
    earlier = backend.submit(ReportIncident("F-FIRE", lat, lon, "11230"), "agency:119").result()
    backend.close()
    incident_id = str(earlier[0].subject)
    with live_station(qtbot, folder) as station:
        loaded(qtbot, station)
        incidents = station.context.store.state.incidents
        qtbot.waitUntil(lambda: incidents[incident_id].procedure is not None, timeout=10_000)
        assert started_by(station, incident_id) == ["system:procedures"]


def test_a_changed_file_is_reloaded_and_a_broken_one_keeps_the_previous_version(
    qtbot: Any, tmp_path: Path, own_folder: Path
) -> None:
    path = own_folder / "own-accident.toml"
    with live_station(qtbot, tmp_path / "ws") as station:
        loaded(qtbot, station)
        library = station.context.procedures.library
        assert library.get("own-accident").procedure.version == 1  # type: ignore[union-attr]

        write_atomically(path, OWN.replace("version = 1", "version = 2"))
        qtbot.waitUntil(lambda: bool(notices(station, "Procedures reloaded")), timeout=10_000)
        in_force = station.context.procedures.count
        assert notices(station, f"Procedures reloaded: {in_force} in force")
        assert library.get("own-accident").procedure.version == 2  # type: ignore[union-attr]

        # A mistake on line 12 (due_s is not a number): refused, version 2 stays in force.
        broken = OWN.replace("version = 1", "version = 3").replace("due_s = 60", 'due_s = "soon"')
        assert broken.splitlines()[11] == 'due_s = "soon"'
        path.write_text(broken, encoding="utf-8")  # in place, as many editors save
        qtbot.waitUntil(lambda: bool(notices(station, "refused")), timeout=10_000)
        (refused,) = notices(station, "Procedure file refused")
        assert "own-accident.toml, line 12" in refused.text
        assert "key 'due_s'" in refused.text
        assert refused.text.endswith("; the previous version stays in force")
        assert library.get("own-accident").procedure.version == 2  # type: ignore[union-attr]
        # ... and it is still the procedure new accidents get.
        accident = report(station, "T-ACC")
        incidents = station.context.store.state.incidents
        qtbot.waitUntil(
            lambda: accident in incidents and incidents[accident].procedure is not None,
            timeout=10_000,
        )
        assert incidents[accident].procedure.version == 2  # type: ignore[union-attr]


def test_the_library_dialog_groups_searches_and_shows_a_procedure_in_full(
    qtbot: Any, tmp_path: Path, own_folder: Path
) -> None:
    with live_station(qtbot, tmp_path / "ws") as station:
        loaded(qtbot, station)
        window = station.window
        assert window.procedures_action.shortcut().toString() == "F6"
        window.procedures_action.trigger()
        dialog = window.procedure_library
        assert dialog is not None and dialog.isVisible()
        groups = {
            dialog.tree.topLevelItem(i).text(0): [  # type: ignore[union-attr]
                dialog.tree.topLevelItem(i).child(j).text(0)  # type: ignore[union-attr]
                for j in range(dialog.tree.topLevelItem(i).childCount())  # type: ignore[union-attr]
            ]
            for i in range(dialog.tree.topLevelItemCount())
        }
        assert groups == {
            "119 emergency dispatch": ["Fire, for the tests"],
            "Traffic": ["Traffic accident, seen on camera"],
        }
        assert dialog.select("fire-test")
        text = dialog.details.toPlainText()
        assert "Version 1 · 119 emergency dispatch · fire-test.toml" in text
        assert "Incident types\nF-FIRE fire\n" in text
        assert "First video\n1:00\nthe report\na camera opened" in text
        assert "fire service (119)\nsummary, live video link\nfire fighting" in text
        steps = text[text.index("Steps") :].splitlines()
        assert steps[1:4] == [
            "1.",
            "See the scene on camera · operator · mandatory · reminder after 1:00",
            "Action: open the 4 nearest cameras",
        ]
        assert "Answers: Yes → Read the plates; No → Fire out" in steps
        assert steps[-2:] == ["Fire out · fire", "The procedure ends here."]
        assert str(own_folder) in dialog.folders.text()

        dialog.search.setText("accident")
        assert dialog.selected_id() == "own-accident"
        assert dialog.details.toPlainText().startswith("Traffic accident, seen on camera")
        dialog.search.setText("no such thing")
        assert dialog.details.toPlainText() == "No procedure matches the search."
        dialog.close()
