"""Dockable panels, one subpackage each. They never import each other."""

from __future__ import annotations

from ui.context import PanelSpec


def all_panels() -> list[PanelSpec]:
    """Every panel the workstation shows, in the order they are laid out."""
    from panels import incidents

    return [incidents.SPEC]
