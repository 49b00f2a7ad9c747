"""The compose dialog for the docs: a fire's packet to 119, with a blurred still of the scene,
the purpose confirmed and the exact EDXL-DE bytes in the preview (``make screenshots``)."""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2
import numpy as np
from PySide6.QtCore import QTimer

from core.commands import Acknowledge, ReportIncident
from core.dispatch.agencies import DEMO_REGISTRY, Registry
from core.events import EvidenceCaptured
from core.local_backend import LocalBackend
from core.sop.commands import CompleteStep
from core.sop.definitions import SOP_DIR, Recipient
from core.sop.library import ProcedureLibrary
from core.sop.starter import start_command
from tools.docs_screenshots import docs_context
from ui.packet_dialog import PacketDialog

OPERATOR = "operator:kim.minji"


def street_still(path: Path) -> None:
    """A picture with a street's texture (a scene still's size), blurred as saved."""
    rng = np.random.default_rng(12)
    picture = rng.integers(40, 200, (360, 640, 3), dtype=np.uint8)
    cv2.rectangle(picture, (0, 250), (640, 360), (70, 70, 70), -1)  # the back street
    for x in (60, 200, 340, 480):
        cv2.rectangle(picture, (x, 270), (x + 110, 330), (30, 30, 160), -1)  # parked cars
    ok, data = cv2.imencode(".jpg", cv2.GaussianBlur(picture, (7, 7), 0))
    assert ok
    path.write_bytes(data.tobytes())


def prepare_fire_log(path: Path, evidence: Path) -> str:
    """A reported fire in Jongno-gu, acknowledged, its procedure four steps in, a blurred
    still of the scene saved; returns its id."""
    backend = LocalBackend.open(path)
    try:
        report = ReportIncident(
            "F-FIRE", 37.5735, 126.9850, "11010", summary="익선동 한옥 주택 화재, 연기 다량"
        )
        fire = str(backend.submit(report, "agency:fire-119").result()[0].subject)
        backend.submit(Acknowledge(fire, "CCTV로 연기 확인"), OPERATOR).result()
        library = ProcedureLibrary([SOP_DIR])
        library.load()
        loaded = library.for_type("F-FIRE")
        assert loaded is not None
        backend.submit(start_command(fire, loaded), "system:procedures").result()
        evidence.mkdir(parents=True, exist_ok=True)
        still = evidence / "CAM-11010-00012-still.jpg"
        street_still(still)
        captured = EvidenceCaptured(
            fire,
            "CAM-11010-00012",
            "still",
            str(still),
            hashlib.sha256(still.read_bytes()).hexdigest(),
            time.time_ns() // 1_000_000,
            redacted="faces,plates",
        )
        backend.publish([captured.to_new("video_wall", OPERATOR)]).result()
        for step in ("cameras", "still", "route"):
            backend.submit(CompleteStep(fire, step), OPERATOR).result()
        backend.submit(CompleteStep(fire, "access-blocked", answer="yes"), OPERATOR).result()
    finally:
        backend.close()
    return fire


def shoot_packet_dialog(path: Path, evidence: Path, fire: str, out: Path) -> None:
    """The dialog in Korean over the log at ``path``, ready to send, saved to ``out``."""
    with docs_context(path, "ko") as (app, context):
        context.settings.evidence_dir = evidence
        context.store.start()
        dialogs: list[PacketDialog] = []

        def open_dialog() -> None:
            if not (context.store.is_loaded and context.procedures.loaded):
                QTimer.singleShot(50, open_dialog)
                return
            incident = context.store.state.incidents[fire]
            registry = Registry.load(DEMO_REGISTRY)
            dialog = PacketDialog(context, registry, incident, Recipient.FIRE)
            dialogs.append(dialog)
            dialog.requested.setText("현장 출동 및 진입로 불법주정차 차량 이동 조치 요청")
            dialog.requested.textEdited.emit(dialog.requested.text())  # as typed
            dialog.confirm.setChecked(True)
            dialog.show()
            dialog.check()
            QTimer.singleShot(300, wait_ready)

        def wait_ready() -> None:
            dialog = dialogs[0]
            if not dialog.send_button.isEnabled():
                QTimer.singleShot(100, wait_ready)
                return
            out.parent.mkdir(parents=True, exist_ok=True)
            dialog.grab().save(str(out))
            dialog.close()
            app.quit()

        QTimer.singleShot(0, open_dialog)
        app.exec()


def main(out_dir: Path, folder: Path) -> Path:
    """Make ``packet-compose.png`` in ``out_dir`` using the scratch ``folder``."""
    log, evidence = folder / "packet.db", folder / "evidence"
    fire = prepare_fire_log(log, evidence)
    target = out_dir / "packet-compose.png"
    shoot_packet_dialog(log, evidence, fire, target)
    return target


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        out_dir = Path(sys.argv[1]) if sys.argv[1:] else Path("docs/screenshots")
        print(f"saved {main(out_dir, Path(scratch))}")
