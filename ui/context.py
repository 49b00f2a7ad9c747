"""What every panel is given, and how a panel declares itself to the main window."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from core.backend import Backend
from core.city import City
from core.notices import NoticeBoard
from ui.bridge import GuiInvoker
from ui.selection import Selection
from ui.store import EventStore
from ui.view_store import ViewStore

if TYPE_CHECKING:
    from ui.actions import ActionRequests
    from ui.dispatch import DispatchService
    from ui.procedures import ProcedureService
    from ui.replay import ReplayController
    from ui.settings import Settings


@dataclass
class AppContext:
    """Shared services of the running workstation."""

    backend: Backend
    store: EventStore  # the live city, always (services that act on it read this)
    view: ViewStore  # what panels show: the live city or a replay instant (origin says which)
    city: City
    notices: NoticeBoard
    invoker: GuiInvoker
    settings: Settings
    selection: Selection
    actor: str  # who this workstation acts as, e.g. "operator:kim"
    language: str  # "ko" or "en"
    actions: ActionRequests
    procedures: ProcedureService
    dispatch: DispatchService | None = None  # packets to agencies (None: not in this window)
    replay: ReplayController | None = None  # the replay mode, once the main window made it
    review_dir: Path | None = None  # an opened incident bundle (read-only offline review)

    def pick(self, ko: str, en: str) -> str:
        """The Korean or English text, by the interface language."""
        return ko if self.language == "ko" else en


def lazy_widget(module: str, class_name: str) -> Callable[[AppContext], QWidget]:
    """A panel factory that imports its module only when the panel is built, so a panel's
    heavy libraries (web engine, OpenCV) stay out of start-up until its dock is made."""

    def build(context: AppContext) -> QWidget:
        widget_class = getattr(importlib.import_module(module), class_name)
        widget: QWidget = widget_class(context)
        return widget

    return build


@dataclass(frozen=True)
class PanelSpec:
    """A dockable panel: its id, title, how to build it and where it goes by default."""

    id: str
    title: Callable[[], str]  # translated at call time
    factory: Callable[[AppContext], QWidget]
    area: Qt.DockWidgetArea | None  # None: the central area
    share: int = 0  # percent of the window's width (side docks) or height (top and bottom
    # docks) on first start; 0: let Qt decide
