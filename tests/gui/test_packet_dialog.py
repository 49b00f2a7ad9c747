"""The compose dialog: pre-filled from the incident, gated and validated as the operator
works, showing the exact bytes, and queueing (or logging the refusal) off the GUI thread."""

from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np

from core.dispatch.agencies import DEMO_REGISTRY, Registry
from core.events import EventRecord, EventType, EvidenceCaptured
from core.sop.definitions import Recipient
from tests.gui.conftest import Workstation
from ui.packet_dialog import PacketDialog


def open_dialog(qtbot, ws: Workstation, incident_id: str, recipient: Recipient) -> PacketDialog:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: incident_id in ws.context.store.state.incidents)
    incident = ws.context.store.state.incidents[incident_id]
    dialog = PacketDialog(ws.context, Registry.load(DEMO_REGISTRY), incident, recipient)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.prepared is not None, timeout=10_000)
    return dialog


def still_of(ws: Workstation, incident_id: str, blurred: bool) -> str:
    """A real JPEG in the evidence folder, recorded as the incident's evidence."""
    folder = ws.context.settings.evidence_dir
    folder.mkdir(parents=True, exist_ok=True)
    picture = folder / f"still-{incident_id}.jpg"
    ok, data = cv2.imencode(".jpg", np.full((48, 64, 3), 90, np.uint8))
    assert ok
    picture.write_bytes(data.tobytes())
    still = EvidenceCaptured(
        incident_id,
        "CAM-11230-001",
        "still",
        str(picture),
        hashlib.sha256(picture.read_bytes()).hexdigest(),
        1_790_000_000_000,
        redacted="faces,plates" if blurred else "",
    )
    ws.backend.publish([still.to_new("wall", "operator:test")]).result()
    return picture.name


def packet_events(ws: Workstation, incident_id: str) -> list[EventRecord]:
    records = ws.backend.incident_events(incident_id).result()
    return [r for r in records if r.type.startswith("packet.")]


def test_the_draft_shows_the_exact_bytes_and_queues_them(qtbot, workstation: Workstation) -> None:  # type: ignore[no-untyped-def]
    fire = workstation.report("F-FIRE")
    dialog = open_dialog(qtbot, workstation, fire, Recipient.FIRE)
    assert dialog.agency().kind is Recipient.FIRE
    body = dialog.body.toPlainText()
    assert "urn:oasis:names:tc:emergency:EDXL:DE:2.0" in body and fire in body
    assert "Ready to send" in dialog.gate.text()
    # The operator's headline replaces the draft's once the check has run again.
    dialog.headline.setText("[화재] 종로구 주택 화재, 진입로 불법주정차")
    dialog.headline.textEdited.emit(dialog.headline.text())
    qtbot.waitUntil(lambda: "진입로 불법주정차" in dialog.body.toPlainText(), timeout=10_000)
    qtbot.waitUntil(dialog.send_button.isEnabled)
    shown = dialog.body.toPlainText().encode("utf-8")
    dialog.send()
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=10_000)
    assert dialog.outcome is not None and dialog.outcome.queued
    (queued,) = packet_events(workstation, fire)
    assert queued.type == EventType.PACKET_QUEUED
    assert queued.payload["body"].encode("utf-8") == shown  # the preview is what leaves
    assert queued.actor == workstation.context.actor


def test_an_unblurred_still_goes_as_a_blurred_copy_recorded_with_the_packet(
    qtbot, workstation: Workstation
) -> None:  # type: ignore[no-untyped-def]
    fire = workstation.report("F-FIRE")
    name = still_of(workstation, fire, blurred=False)
    dialog = open_dialog(qtbot, workstation, fire, Recipient.FIRE)
    (attachment,) = dialog.prepared.packet.attachments  # type: ignore[union-attr]
    copy = workstation.context.settings.evidence_dir / attachment.path
    assert copy.name.startswith(Path(name).stem + "-blurred-") and copy.is_file()
    assert not attachment.unmasked and "derefUri" in dialog.body.toPlainText()
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == attachment.sha256
    # Stills are personal information: the purpose must be confirmed before they go.
    assert not dialog.send_button.isEnabled()
    assert "confirm the purpose" in dialog.gate.text()
    dialog.confirm.setChecked(True)
    qtbot.waitUntil(dialog.send_button.isEnabled, timeout=10_000)
    dialog.send()
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=10_000)
    records = workstation.backend.incident_events(fire).result()
    copies = [
        r.payload
        for r in records
        if r.type == EventType.EVIDENCE_CAPTURED and "-blurred-" in r.payload["path"]
    ]
    assert [c["redacted"] for c in copies] == ["faces,plates"]
    assert copies[0]["sha256"] == attachment.sha256
    (queued,) = packet_events(workstation, fire)
    assert queued.payload["packet"]["attachments"][0]["sha256"] == attachment.sha256


def test_an_unmask_reason_sends_the_original_still_marked_unmasked(
    qtbot, workstation: Workstation
) -> None:  # type: ignore[no-untyped-def]
    fire = workstation.report("F-FIRE")
    name = still_of(workstation, fire, blurred=False)
    dialog = open_dialog(qtbot, workstation, fire, Recipient.FIRE)
    dialog.unmask.setText("연기 속 요구조자 확인에 얼굴 식별 필요")
    dialog.unmask.textEdited.emit(dialog.unmask.text())
    dialog.confirm.setChecked(True)

    def original_attached() -> bool:
        prepared = dialog.prepared
        return prepared is not None and any(
            a.unmasked and Path(a.path or "").name == name for a in prepared.packet.attachments
        )

    qtbot.waitUntil(original_attached, timeout=10_000)
    qtbot.waitUntil(dialog.send_button.isEnabled, timeout=10_000)
    dialog.send()
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=10_000)
    (queued,) = packet_events(workstation, fire)
    packet = queued.payload["packet"]
    (attachment,) = packet["attachments"]
    assert attachment["unmasked"] and attachment["unmask_reason"].startswith("연기 속")
    assert "still" in packet["data_classes"] and packet["purpose"]


def test_stills_of_a_fire_stay_in_the_room_when_the_tax_office_is_chosen(
    qtbot, workstation: Workstation
) -> None:  # type: ignore[no-untyped-def]
    fire = workstation.report("F-FIRE")
    still_of(workstation, fire, blurred=True)
    dialog = open_dialog(qtbot, workstation, fire, Recipient.TAX)
    assert dialog.agency().kind is Recipient.TAX
    # The fire's purpose gives the tax office no stills: they stay in the room.
    assert "Left out" in dialog.contents.text()
    assert "derefUri" not in dialog.body.toPlainText()


def test_a_drill_packet_is_marked_exercise(qtbot, workstation: Workstation) -> None:  # type: ignore[no-untyped-def]
    from core.commands import ReportIncident

    lat, lon = workstation.context.city.district("11230").centroid
    records = workstation.backend.submit(
        ReportIncident("F-FIRE", lat, lon, "11230", exercise=True), "system:drill"
    ).result()
    drill = str(records[0].subject)
    dialog = open_dialog(qtbot, workstation, drill, Recipient.FIRE)
    body = dialog.body.toPlainText()
    assert "<distributionStatus>Exercise</distributionStatus>" in body
    assert "<status>Exercise</status>" in body and "<status>Actual</status>" not in body
    assert not dialog.test_box.isEnabled()


def test_a_procedure_step_opens_the_dialog_for_its_agency(qtbot, workstation: Workstation) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    service = workstation.context.dispatch
    assert service is not None
    fire = workstation.report("F-FIRE")
    qtbot.waitUntil(lambda: fire in workstation.context.store.state.incidents)
    # Before the registry is read, the request is answered with a notice, not a dialog.
    assert service.compose(workstation.context, fire, "fire") is None
    assert "being read" in workstation.context.notices.history[-1].text
    service.registry = Registry.load(DEMO_REGISTRY)
    workstation.context.actions.packetRequested.emit(fire, "fire")
    qtbot.waitUntil(
        lambda: any(isinstance(w, PacketDialog) for w in QApplication.topLevelWidgets())
    )
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, PacketDialog))
    assert dialog.incident.id == fire and dialog.agency().id == "fire-119"
    qtbot.waitUntil(lambda: dialog.prepared is not None, timeout=10_000)
    dialog.reject()


def test_a_plate_leaves_only_as_a_pseudonym_for_the_tax_office(
    qtbot, workstation: Workstation
) -> None:  # type: ignore[no-untyped-def]
    hit = workstation.report("X-TAX")
    dialog = open_dialog(qtbot, workstation, hit, Recipient.TAX)
    dialog.plates.setText("12가3456")
    dialog.plates.textEdited.emit(dialog.plates.text())
    dialog.confirm.setChecked(True)

    def pseudonymised() -> bool:
        prepared = dialog.prepared
        return prepared is not None and len(prepared.packet.related) == 1

    qtbot.waitUntil(pseudonymised, timeout=10_000)
    qtbot.waitUntil(dialog.send_button.isEnabled, timeout=10_000)
    body = dialog.body.toPlainText()
    assert "12가3456" not in body and "plate:" in body
    dialog.send()
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=10_000)
    (queued,) = packet_events(workstation, hit)
    assert "12가3456" not in queued.payload_json
    assert queued.payload["packet"]["related"][0]["pseudonym"].startswith("plate:")


def test_a_plate_is_left_out_of_a_fire_packet_to_119(qtbot, workstation: Workstation) -> None:  # type: ignore[no-untyped-def]
    fire = workstation.report("F-FIRE")
    dialog = open_dialog(qtbot, workstation, fire, Recipient.FIRE)
    dialog.plates.setText("12가3456")
    dialog.plates.textEdited.emit(dialog.plates.text())
    qtbot.waitUntil(lambda: "Left out" in dialog.contents.text(), timeout=10_000)
    assert "12가3456" not in dialog.contents.text() + dialog.body.toPlainText()
    assert dialog.prepared is not None and dialog.prepared.packet.related == ()


def report_with_cameras(ws: Workstation, type_code: str, count: int = 2) -> tuple[str, list[str]]:
    """An incident with the cameras nearest its place linked (as the wall links them)."""
    from core.commands import ReportIncident

    lat, lon = ws.context.city.district("11230").centroid
    cameras = [c.id for c, _ in ws.context.city.nearest_cameras(lat, lon, count)]
    command = ReportIncident(type_code, lat, lon, "11230", cameras=tuple(cameras))
    records = ws.backend.submit(command, "agency:112").result()
    return str(records[0].subject), cameras


def test_live_video_says_why_it_cannot_be_shared_without_a_live_share(
    qtbot, workstation: Workstation
) -> None:  # type: ignore[no-untyped-def]
    assault, _ = report_with_cameras(workstation, "P-ASL")
    dialog = open_dialog(qtbot, workstation, assault, Recipient.POLICE)
    assert "has not started" in dialog.live_video.note.text()
    assert dialog.live_video.cameras.isHidden() and dialog.live_video.cameras.count() == 0


def test_a_ticked_camera_goes_as_a_live_link_that_streams_once_sent(
    qtbot, workstation: Workstation
) -> None:  # type: ignore[no-untyped-def]
    import httpx
    from PySide6.QtCore import Qt

    from core.dispatch.live_share import LiveShare, registry_frames
    from core.dispatch.model import AttachmentKind
    from core.video.registry import StreamRegistry

    service = workstation.context.dispatch
    assert service is not None
    share = LiveShare(registry_frames(StreamRegistry()), record=workstation.backend.publish)
    service.live_share = share.start()
    try:
        assault, cameras = report_with_cameras(workstation, "P-ASL")
        dialog = open_dialog(qtbot, workstation, assault, Recipient.POLICE)
        assert dialog.agency().id == "police-112" and dialog.live_video.cameras.count() == 2
        first = dialog.live_video.cameras.item(0)
        assert first.text() == workstation.context.city.camera(cameras[0]).name_en
        first.setCheckState(Qt.CheckState.Checked)

        def linked() -> bool:
            prepared = dialog.prepared
            return prepared is not None and any(
                a.kind is AttachmentKind.LIVE_LINK for a in prepared.packet.attachments
            )

        qtbot.waitUntil(linked, timeout=10_000)
        assert dialog.prepared is not None
        packet = dialog.prepared.packet
        (link,) = packet.attachments
        assert link.camera_id == cameras[0] and "video_link" in packet.data_classes
        assert link.uri == share.link_for(packet.distribution_id, cameras[0])
        assert link.uri in dialog.body.toPlainText()  # the preview shows what goes out
        validity_ms = (link.expires_ms or 0) - packet.sent_ms
        assert 29 * 60_000 < validity_ms <= 30 * 60_000 + 5_000  # the default validity
        assert share.grants() == [] and httpx.get(link.uri).status_code == 404
        dialog.confirm.setChecked(True)
        qtbot.waitUntil(dialog.send_button.isEnabled, timeout=10_000)
        dialog.send()
        qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=10_000)
        assert dialog.outcome is not None and dialog.outcome.queued
        (queued,) = packet_events(workstation, assault)
        assert queued.payload["packet"]["attachments"][0]["uri"] == link.uri
        with httpx.Client(timeout=5.0) as client, client.stream("GET", link.uri) as stream:
            assert stream.status_code == 200
            received = b""
            for chunk in stream.iter_bytes():
                received += chunk
                if b"\xff\xd9" in received:  # a whole JPEG (its end marker) has arrived
                    break
        assert b"Content-Type: image/jpeg" in received and b"\xff\xd8" in received
    finally:
        service.live_share = None
        share.stop()


def test_the_area_can_be_a_circle_with_the_operators_radius(
    qtbot, workstation: Workstation
) -> None:  # type: ignore[no-untyped-def]
    leak = workstation.report("H-GAS")
    dialog = open_dialog(qtbot, workstation, leak, Recipient.FIRE)
    assert dialog.prepared is not None and dialog.prepared.packet.area.shape == "point"
    assert not dialog.area.radius.isEnabled()
    dialog.area.shape.setCurrentIndex(1)
    dialog.area.radius.setValue(200)

    def circled() -> bool:
        prepared = dialog.prepared
        return prepared is not None and prepared.packet.area.shape == "circle"

    qtbot.waitUntil(circled, timeout=10_000)
    assert dialog.prepared is not None
    area = dialog.prepared.packet.area
    assert area.shape == "circle" and area.radius_m == 200  # type: ignore[union-attr]
    # CAP circles are "lat,lon radius-in-km".
    assert " 0.2</circle>" in dialog.body.toPlainText()
