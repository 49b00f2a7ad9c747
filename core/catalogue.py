"""The incident catalogue: codes, Korean and English names, linked service and default severity.

Severity runs 1 = critical, 2 = major, 3 = minor, 4 = information. Codes are ours (DOMAIN.md).

The entries are data: the built-in ones are read from ``resources/catalogue/incident_types.csv``
and a city's own (installed by ``python main.py catalogue import``) from the site catalogue in
the user's data folder, once, when this module is first imported. The services stay here: they
are code (queues, filters and procedures depend on them).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from pathlib import Path

from core.errors import UnknownNameError

log = logging.getLogger("cityroom.catalogue")

BUILT_IN_CSV = (
    Path(__file__).resolve().parents[1] / "resources" / "catalogue" / "incident_types.csv"
)
"""The catalogue shipped with Cityroom."""


class Severity(IntEnum):
    """Incident severity; a lower number is more urgent."""

    CRITICAL = 1
    MAJOR = 2
    MINOR = 3
    INFO = 4


class Service(StrEnum):
    """The linked service an incident type belongs to (the queue filters by it)."""

    POLICE_VIDEO = "police_video"  # 112 emergency video
    POLICE_DISPATCH = "police_dispatch"  # 112 emergency dispatch
    FIRE_DISPATCH = "fire_dispatch"  # 119 emergency dispatch
    DISASTER = "disaster"  # disaster situation support
    VULNERABLE = "vulnerable"  # socially vulnerable support
    CARE = "care"  # elderly and daycare care services
    PROTECTION = "protection"  # 2017-18 services: victims, tourists, stores, security
    HAZARD = "hazard"  # hazardous facilities
    TRAFFIC = "traffic"
    ENVIRONMENT = "environment"
    WASTE = "waste"
    UTILITIES = "utilities"
    CIVIC = "civic"  # bicycles, tax-arrears vehicles
    CENTRE = "centre"  # the centre itself (cyber)


SERVICE_NAMES: dict[Service, tuple[str, str]] = {
    Service.POLICE_VIDEO: ("112 긴급영상 지원", "112 emergency video"),
    Service.POLICE_DISPATCH: ("112 긴급출동 지원", "112 emergency dispatch"),
    Service.FIRE_DISPATCH: ("119 긴급출동 지원", "119 emergency dispatch"),
    Service.DISASTER: ("재난안전상황 긴급대응", "disaster situation support"),
    Service.VULNERABLE: ("사회적 약자 지원", "socially vulnerable support"),
    Service.CARE: ("돌봄 서비스", "care services"),
    Service.PROTECTION: ("안전·보호 서비스", "protection services"),
    Service.HAZARD: ("위험시설물", "hazardous facilities"),
    Service.TRAFFIC: ("교통", "traffic"),
    Service.ENVIRONMENT: ("IoT 환경", "IoT environment"),
    Service.WASTE: ("스마트 청소", "smart waste"),
    Service.UTILITIES: ("상하수도·시설", "utilities"),
    Service.CIVIC: ("생활 서비스", "civic services"),
    Service.CENTRE: ("센터 보안", "centre security"),
}


@dataclass(frozen=True, slots=True)
class IncidentType:
    """One entry of the catalogue."""

    code: str
    name_ko: str
    name_en: str
    service: Service
    typical_source: str
    severity: Severity
    procedure: str | None = None  # id of the default procedure (resources/sop), if any
    agencies: tuple[str, ...] = ()  # agency kinds usually engaged (police, fire, ...)


class Origin(StrEnum):
    """Where an entry of the catalogue in force comes from."""

    BUILT_IN = "built-in"
    SITE = "site"


# The module-level names below are read by many modules at import time; the catalogue files are
# read here, once. The loader imports this module's types, so it is imported after them.
from core.catalogue_site import load_in_force  # noqa: E402

_IN_FORCE = load_in_force(BUILT_IN_CSV)
CATALOGUE: dict[str, IncidentType] = _IN_FORCE.entries
"""Every incident type in force by code: built-in and site entries (see ``ORIGINS``)."""
ORIGINS: dict[str, Origin] = _IN_FORCE.origins
"""Where each entry of ``CATALOGUE`` comes from."""
SITE = _IN_FORCE.site
"""The installed site catalogue in force (mode, source, encoding), or None."""
SITE_PROBLEM: str | None = _IN_FORCE.problem
"""Why an installed site catalogue is not in force (it was refused on loading), or None."""
if SITE_PROBLEM:
    log.warning("%s", SITE_PROBLEM)


def incident_type(code: str) -> IncidentType:
    """Look up a catalogue entry; an unknown code names close ones (or the known ones)."""
    try:
        return CATALOGUE[code]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(code, CATALOGUE, n=5)
        if close:
            hint = f"did you mean {', '.join(close)}?"
        elif len(CATALOGUE) <= 60:
            hint = f"known types: {', '.join(sorted(CATALOGUE))}"
        else:
            hint = f"{len(CATALOGUE)} types are known (python main.py catalogue list)"
        raise UnknownNameError(f"unknown incident type {code!r}; {hint}") from None
