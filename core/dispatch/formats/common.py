"""What every format module shares: namespaces, the profile's names, wire times and ``Problem``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from lxml import etree

from core.dispatch.model import DistributionKind

SCHEMA_DIR = Path(__file__).resolve().parents[3] / "resources" / "schemas"
"""The vendored schemas (see its README.md for where each file comes from)."""

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
DE_NS = "urn:oasis:names:tc:emergency:EDXL:DE:2.0"
CT_NS = "urn:oasis:names:tc:emergency:edxl:ct:1.0"
GSF_NS = "urn:oasis:names:tc:emergency:edxl:gsf:1.0"
GML_NS = "http://www.opengis.net/gml/3.2"
XLINK_NS = "http://www.w3.org/1999/xlink"

# Prefixes used to shorten Clark names ({namespace}local) in messages for people.
SHORT_PREFIXES: dict[str, str] = {
    CAP_NS: "cap",
    DE_NS: "de",
    CT_NS: "ct",
    GSF_NS: "edxl-gsf",
    GML_NS: "gml",
    XLINK_NS: "xlink",
}

# Cityroom's CAP profile: the code on every alert, and the names of what CAP has no element for.
PROFILE_CODE = "urn:cityroom:cap-profile:1"
EVENT_CODE_NAME = "cityroom:incident-type"
PARAM_KIND = "cityroom:distribution-kind"
PARAM_RECIPIENT = "cityroom:recipient"
PARAM_DATA_CLASSES = "cityroom:data-classes"
PARAM_DISTRICT = "cityroom:district-code"
PARAM_LEGAL_BASIS = "cityroom:legal-basis"
PARAM_PURPOSE = "cityroom:purpose"
PARAM_OPERATOR = "cityroom:operator"
PARAM_EXERCISE = "cityroom:exercise"
PARAM_ROUTE = "cityroom:route"
PARAM_EVENT_EN = "cityroom:event-en"
PARAM_RELATED_PREFIX = "cityroom:related:"  # + plate | phone | person
GEOCODE_DISTRICT = "cityroom:district-code"

# EDXL-DE value lists and address schemes of the profile.
SCHEME_AGENCY = "urn:cityroom:agency"
SCHEME_SENDER = "urn:cityroom:sender"
LIST_INCIDENT_TYPE = "urn:cityroom:incident-type"
LIST_DATA_CLASSES = "urn:cityroom:data-classes"
LIST_RECIPIENT = "urn:cityroom:recipient-kind"
LIST_DISTRICT = "urn:cityroom:district-code"
LIST_ACKNOWLEDGES = "urn:cityroom:acknowledges"
LIST_AGENCY = "urn:cityroom:agency"

LANGUAGE = "ko-KR"
CENTRE_NAME_KO = "도시통합운영센터"

# CAP msgType for each EDXL distributionKind (a dispatch and a report are both new alerts).
MSG_TYPE: dict[DistributionKind, str] = {
    DistributionKind.DISPATCH: "Alert",
    DistributionKind.REPORT: "Alert",
    DistributionKind.UPDATE: "Update",
    DistributionKind.CANCEL: "Cancel",
    DistributionKind.ACK: "Ack",
}

# Korea Standard Time: the room and its agencies read times in it; CAP and EDXL forbid "Z".
KST = timezone(timedelta(hours=9), "KST")

# CAP 1.2 and EDXL-CT dateTime: seconds, with an offset, nothing else.
WIRE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$")

# CAP 1.2 3.2.1: identifier and sender must not hold spaces, commas or < and &.
CAP_FORBIDDEN = re.compile(r"[\s,<&]")


def wire_time(ms: int) -> str:
    """UTC milliseconds as a CAP/EDXL dateTime in Korea time, e.g. 2025-03-01T09:30:00+09:00."""
    return datetime.fromtimestamp(ms // 1000, tz=KST).isoformat()


def parse_wire_time(text: str) -> int:
    """A CAP/EDXL dateTime (offset required) as UTC milliseconds; ValueError if it is not one."""
    value = text.strip()
    if not WIRE_TIME.match(value):
        raise ValueError(f"{value!r} is not a dateTime like 2025-03-01T09:30:00+09:00")
    return int(datetime.fromisoformat(value).timestamp() * 1000)


def parse_any_time(text: str) -> int:
    """An ISO-8601 time with an offset or Z (JSON messages, CoT) as UTC milliseconds."""
    value = text.strip()
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        raise ValueError(f"{value!r} has no time-zone offset; add +09:00 or Z")
    return int(dt.astimezone(UTC).timestamp() * 1000)


def same_second(a_ms: int, b_ms: int) -> bool:
    """Whether two instants fall in the same second (wire times carry whole seconds)."""
    return a_ms // 1000 == b_ms // 1000


def coord(value: float) -> str:
    """A coordinate with six decimals (about 0.1 m), as CAP and GML write it."""
    return f"{value:.6f}"


def number(value: float) -> str:
    """A measure without trailing zeros: 0.15, 2, 0."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text or "0"


def quote_if_spaced(value: str) -> str:
    """A CAP list item: values holding whitespace are enclosed in double quotes."""
    return f'"{value}"' if re.search(r"\s", value) else value


def short_names(text: str) -> str:
    """Replace {namespace}local names in a message by prefix:local."""
    for namespace, prefix in SHORT_PREFIXES.items():
        text = text.replace("{" + namespace + "}", prefix + ":")
    return text


def readable_path(element: Any) -> str:
    """/alert/info/resource[2]/digest: local names, with a position where siblings share one."""
    steps: list[str] = []
    node = element
    while node is not None:
        name = etree.QName(node).localname
        parent = node.getparent()
        if parent is not None:
            same = [sibling for sibling in parent if sibling.tag == node.tag]
            if len(same) > 1:
                name += f"[{same.index(node) + 1}]"
        steps.append(name)
        node = parent
    return "/" + "/".join(reversed(steps))


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a packet or message is not fit to send: where it is, and what to fix."""

    where: str  # an XPath-like location in the body, or the packet field
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class InboundError(ValueError):
    """A message from outside cannot be used; ``reason`` is fit for an HTTP 400 body."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
