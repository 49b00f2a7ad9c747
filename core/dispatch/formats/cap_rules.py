"""Profile rules on a rendered CAP alert and EDXL-DE envelope: does the body say what the packet
says (identity, status in every layer, times, references, data classes, attachments)?"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from pathlib import Path

from lxml import etree

from core.dispatch.formats import common as c
from core.dispatch.formats.cap import SHA256_MARK
from core.dispatch.formats.evidence_files import available
from core.dispatch.model import (
    RELATED_CLASS,
    AttachmentKind,
    DistributionStatus,
    Packet,
    RelatedKind,
)
from core.sop.definitions import DataClass

_RELATED_KINDS = {kind.value for kind in RelatedKind}
_SHA256_IN_DESC = re.compile(re.escape(SHA256_MARK) + r"([0-9a-f]{64})")

CAP = {"cap": c.CAP_NS}
DE = {"de": c.DE_NS, "ct": c.CT_NS}


def text_of(parent: etree._Element, path: str, ns: dict[str, str]) -> str | None:
    """The stripped text of the first element at ``path``, or None if there is none."""
    found = parent.find(path, ns)
    return None if found is None else str(found.text or "").strip()


def status_problems(where: str, said: str | None, packet: Packet, layer: str) -> list[c.Problem]:
    """Every layer states the packet's status; a drill's never says Actual."""
    expected = packet.status.value
    if said == expected:
        return []
    if packet.status is DistributionStatus.EXERCISE or packet.exercise:
        message = f"an Exercise packet's {layer} says {said!r}; it must say Exercise"
    else:
        message = f"the {layer} says {said!r}, the packet is {expected}; render it again"
    return [c.Problem(where, message)]


def _time(where: str, text: str | None) -> tuple[int | None, list[c.Problem]]:
    if text is None:
        return None, [c.Problem(where, "missing")]
    try:
        return c.parse_wire_time(text), []
    except ValueError as exc:
        return None, [c.Problem(where, str(exc))]


def _equal(where: str, said: str | None, expected: str) -> list[c.Problem]:
    if said == expected:
        return []
    return [c.Problem(where, f"says {said!r}, the packet says {expected!r}; render it again")]


def parameters(info: etree._Element) -> dict[str, list[str]]:
    """The info's parameters by name."""
    found: dict[str, list[str]] = {}
    for parameter in info.findall("cap:parameter", CAP):
        name = text_of(parameter, "cap:valueName", CAP) or ""
        found.setdefault(name, []).append(text_of(parameter, "cap:value", CAP) or "")
    return found


def reference_problems(where: str, text: str | None, packet: Packet) -> list[c.Problem]:
    """references: sender,identifier,sent triples naming older packets of this packet's list."""
    if not packet.references:
        return [] if text is None else [c.Problem(where, "the packet refers to nothing")]
    if text is None:
        return [c.Problem(where, f"missing; an {packet.kind.value} names what it changes")]
    problems: list[c.Problem] = []
    for triple in text.split():
        parts = triple.split(",")
        if len(parts) != 3:
            problems.append(c.Problem(where, f"{triple!r} is not sender,identifier,sent"))
            continue
        sender, identifier, sent = parts
        if sender != packet.sender_id:
            problems.append(c.Problem(where, f"{triple!r} names sender {sender!r}, not ours"))
        if identifier not in packet.references:
            problems.append(c.Problem(where, f"{identifier!r} is not among packet.references"))
        try:
            sent_ms = c.parse_wire_time(sent)
        except ValueError as exc:
            problems.append(c.Problem(where, str(exc)))
            continue
        if sent_ms // 1000 >= packet.sent_ms // 1000:
            problems.append(
                c.Problem(
                    where,
                    f"the time given for {identifier!r} ({sent}) is not before this packet's; "
                    "pass reference_sent with the earlier packet's sent time",
                )
            )
    return problems


def declared_problems(where: str, declared: list[str], packet: Packet) -> list[c.Problem]:
    """The body declares exactly the packet's data classes."""
    if sorted(declared) == sorted(d.value for d in packet.data_classes):
        return []
    return [c.Problem(where, f"declares {', '.join(declared) or 'nothing'}, not the packet's")]


def resource_problems(
    info: etree._Element, packet: Packet, attachments_dir: Path | None
) -> list[c.Problem]:
    """One resource per attachment, in order, with the digests of the files recorded."""
    resources = info.findall("cap:resource", CAP)
    base = "/alert/info/resource"
    if len(resources) != len(packet.attachments):
        return [
            c.Problem(
                base, f"{len(resources)} resources for {len(packet.attachments)} attachments"
            )
        ]
    problems: list[c.Problem] = []
    for index, (resource, attachment) in enumerate(
        zip(resources, packet.attachments, strict=True), start=1
    ):
        where = f"{base}[{index}]" if len(resources) > 1 else base
        desc = text_of(resource, "cap:resourceDesc", CAP) or ""
        mark = _SHA256_IN_DESC.search(desc)
        if attachment.sha256 and (mark is None or mark.group(1) != attachment.sha256):
            problems.append(c.Problem(f"{where}/resourceDesc", "lacks the recorded SHA-256"))
        problems += _equal(
            f"{where}/mimeType", text_of(resource, "cap:mimeType", CAP), attachment.mime
        )
        if attachment.uri:
            problems += _equal(f"{where}/uri", text_of(resource, "cap:uri", CAP), attachment.uri)
        found = available(attachments_dir, attachment)
        digest = text_of(resource, "cap:digest", CAP)
        if found and digest is not None and digest != found.sha1:
            problems.append(c.Problem(f"{where}/digest", "is not the SHA-1 of the file"))
        embedded = text_of(resource, "cap:derefUri", CAP)
        if embedded is not None:
            problems += _embedded_problems(f"{where}/derefUri", embedded, attachment.sha256)
        elif found and attachment.kind is AttachmentKind.STILL:
            problems.append(c.Problem(where, "the still's file is at hand but not embedded"))
    return problems


def _embedded_problems(where: str, text: str, sha256: str | None) -> list[c.Problem]:
    try:
        data = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return [c.Problem(where, "is not base64")]
    if hashlib.sha256(data).hexdigest() != sha256:
        return [c.Problem(where, "the embedded file is not the one recorded; embed it again")]
    return []


def parameter_problems(info: etree._Element, packet: Packet) -> list[c.Problem]:
    """The declared data classes are the packet's and cover what the parameters carry; the
    drill flag agrees with the status."""
    params = parameters(info)
    where = f"/alert/info/parameter[{c.PARAM_DATA_CLASSES}]"
    declared = [d for d in (params.get(c.PARAM_DATA_CLASSES) or [""])[0].split(",") if d]
    problems = declared_problems(where, declared, packet)
    carried = {
        RELATED_CLASS[RelatedKind(kind)].value
        for name in params
        if (kind := name.removeprefix(c.PARAM_RELATED_PREFIX)) != name and kind in _RELATED_KINDS
    }
    if c.PARAM_ROUTE in params:
        carried.add(DataClass.ROUTE.value)
    problems += [
        c.Problem(where, f"the alert carries {name} without declaring it")
        for name in sorted(carried - set(declared))
    ]
    said_exercise = (params.get(c.PARAM_EXERCISE) or ["false"])[0] == "true"
    if said_exercise and packet.status is not DistributionStatus.EXERCISE:
        problems.append(
            c.Problem(
                f"/alert/info/parameter[{c.PARAM_EXERCISE}]",
                "says a drill, but the status is not Exercise",
            )
        )
    return problems


def alert_problems(
    alert: etree._Element, packet: Packet, attachments_dir: Path | None, *, at: str = ""
) -> list[c.Problem]:
    """Does the CAP alert say what the packet says? ``at``: the path of the alert's parent."""
    return [
        c.Problem(at + problem.where, problem.message)
        for problem in _alert_problems(alert, packet, attachments_dir)
    ]


def _alert_problems(
    alert: etree._Element, packet: Packet, attachments_dir: Path | None
) -> list[c.Problem]:
    problems = _equal(
        "/alert/identifier", text_of(alert, "cap:identifier", CAP), packet.distribution_id
    )
    problems += _equal("/alert/sender", text_of(alert, "cap:sender", CAP), packet.sender_id)
    problems += status_problems(
        "/alert/status", text_of(alert, "cap:status", CAP), packet, "CAP status"
    )
    problems += _equal(
        "/alert/msgType", text_of(alert, "cap:msgType", CAP), c.MSG_TYPE[packet.kind]
    )
    sent, found = _time("/alert/sent", text_of(alert, "cap:sent", CAP))
    problems += found
    if sent is not None and not c.same_second(sent, packet.sent_ms):
        problems.append(c.Problem("/alert/sent", "is not the packet's sent time"))
    problems += reference_problems(
        "/alert/references", text_of(alert, "cap:references", CAP), packet
    )
    info = alert.find("cap:info", CAP)
    if info is None:
        return [*problems, c.Problem("/alert/info", "missing; the alert carries no content")]
    for tag, what in (("headline", "headline"), ("description", "summary")):
        if not text_of(info, f"cap:{tag}", CAP):
            problems.append(c.Problem(f"/alert/info/{tag}", f"the {what} is missing or empty"))
    if not text_of(info, "cap:area/cap:areaDesc", CAP):
        problems.append(c.Problem("/alert/info/area/areaDesc", "the area has no description"))
    expires, found = _time("/alert/info/expires", text_of(info, "cap:expires", CAP))
    problems += found
    if expires is not None and sent is not None and expires // 1000 <= sent // 1000:
        problems.append(c.Problem("/alert/info/expires", "is not after /alert/sent"))
    problems += parameter_problems(info, packet)
    return problems + resource_problems(info, packet, attachments_dir)


def envelope_problems(root: etree._Element, packet: Packet) -> list[c.Problem]:
    """Does the EDXL-DE envelope say what the packet says?"""
    problems = _equal(
        "/edxlDistribution/distributionID",
        text_of(root, "de:distributionID", DE),
        packet.distribution_id,
    )
    problems += _equal(
        "/edxlDistribution/senderID", text_of(root, "de:senderID", DE), packet.sender_id
    )
    problems += status_problems(
        "/edxlDistribution/distributionStatus",
        text_of(root, "de:distributionStatus", DE),
        packet,
        "EDXL-DE distributionStatus",
    )
    problems += _equal(
        "/edxlDistribution/distributionKind",
        text_of(root, "de:distributionKind", DE),
        packet.kind.value,
    )
    sent, found = _time("/edxlDistribution/dateTimeSent", text_of(root, "de:dateTimeSent", DE))
    expires, more = _time(
        "/edxlDistribution/dateTimeExpires", text_of(root, "de:dateTimeExpires", DE)
    )
    problems += found + more
    if sent is not None and expires is not None and expires // 1000 <= sent // 1000:
        problems.append(c.Problem("/edxlDistribution/dateTimeExpires", "is not after it is sent"))
    addresses = [
        str(value.text or "").strip()
        for value in root.findall("de:descriptor/de:explicitAddress/de:explicitAddressValue", DE)
    ]
    if packet.agency_id not in addresses:
        problems.append(
            c.Problem(
                "/edxlDistribution/descriptor/explicitAddress",
                f"does not address the agency {packet.agency_id!r}",
            )
        )
    problems += _equal(
        "/edxlDistribution/descriptor/incidentID",
        text_of(root, "de:descriptor/de:incidentID", DE),
        packet.incident_id,
    )
    for keyword in root.findall("de:descriptor/de:keyword", DE):
        if text_of(keyword, "ct:ValueListURI", DE) == c.LIST_DATA_CLASSES:
            values = [str(v.text or "").strip() for v in keyword.findall("ct:Value", DE)]
            problems += declared_problems(
                f"/edxlDistribution/descriptor/keyword[{c.LIST_DATA_CLASSES}]", values, packet
            )
    return problems
