"""Offline review of an incident bundle: ``python main.py review BUNDLE.zip``.

The bundle is verified and opened on a worker while a progress window shows; then the usual
window opens read-only over the bundle's events (no simulator, no rules, no agencies, no
cameras), says at the top whether the bundle is intact — or names what was altered — and
replays the incident. The reviewer's bookmarks and annotations are kept beside the bundle's
working copy; the bundle itself is never written.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer
from PySide6.QtWidgets import (
    QLabel,
    QMessageBox,
    QProgressDialog,
    QSizePolicy,
    QToolBar,
)

from core.city import load_city
from core.errors import CityroomError
from core.notices import NoticeBoard
from core.review_backend import ReviewBackend
from core.user_dirs import data_dir
from ui.bridge import GuiInvoker
from ui.context import PanelSpec
from ui.i18n import install_translators, resolve_language
from ui.settings import Settings
from ui.theme import apply_theme

if TYPE_CHECKING:
    from core.bundle.opening import OpenedBundle

MARGIN_BEFORE_MS = 60_000  # the replay starts this long before the incident was reported


@dataclass
class OpenedReview:
    """A bundle opened for review: what was checked and the backend over its events."""

    bundle: Path
    opened: OpenedBundle
    backend: ReviewBackend


def review_folder(bundle: Path) -> Path:
    """Where the working copy and the notes of ``bundle`` are kept: one folder per bundle
    content, so reopening it finds the reviewer's notes again."""
    digest = hashlib.sha256()
    with bundle.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return data_dir() / "reviews" / digest.hexdigest()[:16]


def trusted_keys(extra: Sequence[Path]) -> list[bytes]:
    """The public keys a signature is trusted from: the data folder's ``trusted-keys/*.pub``
    and any given with ``--trust``."""
    folder = data_dir() / "trusted-keys"
    paths = sorted(folder.glob("*.pub")) if folder.is_dir() else []
    return [p.read_bytes() for p in [*paths, *extra]]


def open_review(bundle: Path, trust: Sequence[Path] = ()) -> OpenedReview:
    """Verify and open ``bundle`` (run on a worker). Raises a ``CityroomError`` naming the
    file and the fix when it cannot be opened at all; a damaged bundle opens, its damage named
    in ``opened.check``."""
    from core.bundle.opening import open_bundle

    if not bundle.is_file():
        raise CityroomError(f"{bundle} does not exist. Check the path of the bundle.")
    folder = review_folder(bundle)
    _sweep(folder)
    # A working copy per window: two reviews of one bundle never share (or delete) one.
    opened = open_bundle(bundle, folder / f"work-{os.getpid()}", trusted_keys(trust))
    backend = ReviewBackend(opened.events_db, folder / "notes.db", bundle)
    return OpenedReview(bundle, opened, backend)


def close_review(review: OpenedReview) -> None:
    """Close the backend and remove the working copy (the notes stay)."""
    review.backend.close()
    shutil.rmtree(review.opened.workdir, ignore_errors=True)


def _sweep(folder: Path) -> None:
    """Remove working copies left by reviews that ended without closing (a crash)."""
    for work in folder.glob("work-*"):
        pid = work.name.removeprefix("work-")
        if pid.isdigit() and int(pid) != os.getpid() and not _running(int(pid)):
            shutil.rmtree(work, ignore_errors=True)


def _running(pid: int) -> bool:
    if sys.platform == "win32":
        return True  # no cheap check there; the copy is removed when that review closes
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def integrity_text(opened: OpenedBundle) -> tuple[str, str]:
    """The banner's level ("ok", "warning", "error") and text for an opened bundle."""
    check = opened.check
    if not check.intact:
        lines = [p.line() for p in check.problems if p.kind != "trust"]
        shown = "\n".join(lines[:6])
        more = len(lines) - 6
        text = (
            QCoreApplication.translate(
                "Review", "ALTERED — this bundle does not match what was exported:"
            )
            + "\n"
        )
        text += shown
        if more > 0:
            text += "\n" + QCoreApplication.translate(
                "Review", "… and %1 more (python main.py bundle verify)"
            ).replace("%1", str(more))
        return "error", text
    events = QCoreApplication.translate(
        "Review", "Intact: %1 events and every file match the manifest."
    ).replace("%1", str(check.event_count))
    if not check.signed:
        return "warning", events + " " + QCoreApplication.translate(
            "Review", "Not signed: its origin is not proven."
        )
    if not check.trusted:
        # With trusted keys set up, another key's signature is how a forgery would look.
        distrusted = any(p.kind == "trust" for p in check.problems)
        return "error" if distrusted else "warning", events + " " + QCoreApplication.translate(
            "Review", "Signed by key %1, which is not among your trusted keys."
        ).replace("%1", str(check.key_id))
    return "ok", events + " " + QCoreApplication.translate(
        "Review", "Signed by the trusted key %1."
    ).replace("%1", str(check.key_id))


class IntegrityBanner(QLabel):
    """The strip at the top of a review window: intact and signed, or what was altered."""

    def __init__(self, level: str, text: str) -> None:
        super().__init__(text)
        self.setObjectName("reviewIntegrity")
        self.setProperty("level", level)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        colours = {"ok": "#1f5f3a", "warning": "#7a5a00", "error": "#8b1e1e"}
        self.setStyleSheet(
            f"QLabel#reviewIntegrity {{ background: {colours[level]}; color: white; "
            "padding: 6px 10px; font-weight: bold; }"
        )
        self.setAccessibleName(text)


def _wait_for(future: Future[OpenedReview]) -> None:
    """Run the event loop (the progress window stays alive) until ``future`` is done."""
    loop = QEventLoop()
    invoker = GuiInvoker()
    invoker.when_done(future, lambda _result: loop.quit(), lambda _error: loop.quit())
    if not future.done():
        loop.exec()


def run_review(args: argparse.Namespace, panels: Sequence[PanelSpec]) -> int:
    """Open the bundle named on the command line for review; return the exit status."""
    from ui.app import build_context, desk_look, has_display, make_application
    from ui.main_window import MainWindow

    bundle: Path = args.bundle
    screenshot: Path | None = args.review_screenshot or args.screenshot
    quit_after: float | None = args.review_quit_after or args.quit_after
    if screenshot is not None and not has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if not has_display():
        print("cityroom review: no display found (see python main.py --help).", file=sys.stderr)
        return 2
    app = make_application()
    settings = Settings()
    language = resolve_language(args.language, settings.language)
    install_translators(app, language)
    apply_theme(app, *desk_look(args, settings))  # the reviewer's own look

    progress = QProgressDialog(
        QCoreApplication.translate("Review", "Verifying and opening %1…").replace(
            "%1", bundle.name
        ),
        "",
        0,
        0,
    )
    progress.setCancelButton(None)
    progress.setWindowTitle("Cityroom")
    progress.setMinimumDuration(300)
    pool = ThreadPoolExecutor(1, thread_name_prefix="review-open")
    future = pool.submit(open_review, bundle, tuple(args.trust or ()))
    _wait_for(future)
    progress.close()
    pool.shutdown(wait=False)
    error = future.exception()
    if error is not None:
        message = str(error) if isinstance(error, CityroomError) else repr(error)
        if screenshot is not None:
            print(f"cityroom review: {message}", file=sys.stderr)
        else:
            QMessageBox.critical(None, "Cityroom", message)
        return 1
    review = future.result()
    opened = review.opened

    notices = NoticeBoard()
    context = build_context(review.backend, load_city(args.profile), notices, settings, language)
    context.dispatch = None  # nothing leaves a review
    context.review_dir = opened.workdir
    window = MainWindow(context, panels, None, remember_layout=False)
    window.setWindowTitle(
        QCoreApplication.translate("Review", "Cityroom — review of %1 (%2), read-only")
        .replace("%1", opened.incident_id)
        .replace("%2", bundle.name)
    )
    level, text = integrity_text(opened)
    bar = QToolBar(QCoreApplication.translate("Review", "Bundle integrity"), window)
    bar.setObjectName("reviewIntegrityBar")
    bar.setMovable(False)
    bar.toggleViewAction().setVisible(False)
    banner = IntegrityBanner(level, text)
    banner.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    bar.addWidget(banner)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
    window.insertToolBarBreak(bar)

    def start_replay() -> None:
        if context.replay is None:
            return
        start, end = opened.window
        reported = context.store.state.incidents.get(opened.incident_id)
        at = (reported.opened_ms if reported else start) - MARGIN_BEFORE_MS
        context.replay.enter(start_ms=start, end_ms=end, at_ms=max(at, start))
        context.selection.select_incident(opened.incident_id, origin="review")

    context.store.loaded.connect(start_replay, Qt.ConnectionType.SingleShotConnection)
    context.store.start()
    if screenshot is None:
        window.show_for_work()
    else:
        window.show()  # a fixed size for the picture

    def shutdown() -> None:
        if context.replay is not None:
            context.replay.leave()
        context.store.stop()
        close_review(review)

    app.aboutToQuit.connect(shutdown)
    if quit_after is not None:

        def finish() -> None:
            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                window.grab().save(str(screenshot))
            window.close()
            app.quit()

        QTimer.singleShot(int(quit_after * 1000), finish)
    return int(app.exec())
