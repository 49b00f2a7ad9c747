"""Dockable panels, one subpackage each. They never import each other: they meet in the
shared state (``ui.store``) and the shared selection (``ui.selection``)."""

from __future__ import annotations

from ui.context import PanelSpec


def all_panels() -> list[PanelSpec]:
    """Every panel the workstation shows, in the order they are laid out."""
    from panels import (
        incident_detail,
        incidents,
        outbox,
        procedure,
        replay,
        sensors,
        situation_map,
        video_wall,
    )

    return [
        situation_map.SPEC,
        incidents.SPEC,
        incident_detail.SPEC,
        procedure.SPEC,
        video_wall.SPEC,
        sensors.SPEC,
        outbox.SPEC,
        replay.SPEC,
    ]
