"""An agency's acknowledgement of a packet: EDXL-DE distributionKind=Ack around a CAP Ack.

The agency simulator answers with these; real agencies send the same shape. The Ack's id is
derived from what it acknowledges, who sends it and when, so a resent Ack keeps its id and the
room can tell a duplicate from a new one.
"""

from __future__ import annotations

import hashlib

from lxml import etree

from core.dispatch.formats import common as c
from core.dispatch.formats.cap import cap, sub, to_bytes
from core.dispatch.formats.edxl import (
    Envelope,
    descriptor_element,
    embed,
    envelope_element,
    value_list,
)
from core.dispatch.formats.edxl import sub as de_sub
from core.dispatch.model import DistributionKind, DistributionStatus

ACK_LIFETIME_MS = 24 * 3600 * 1000


def ack_id(acked_distribution_id: str, sender_id: str, sent_ms: int) -> str:
    """The Ack's identifier: stable for the same Ack, free of spaces and commas."""
    seed = f"{acked_distribution_id}|{sender_id}|{sent_ms}".encode()
    return "ack-" + hashlib.sha256(seed).hexdigest()[:24]


def ack_alert(
    *,
    identifier: str,
    sender_id: str,
    sent_ms: int,
    status: DistributionStatus,
    acked: str,
    addressee: str,
    note: str,
) -> etree._Element:
    """A CAP 1.2 alert with msgType Ack referring to the acknowledged alert."""
    alert = etree.Element(cap("alert"), nsmap={None: c.CAP_NS})
    sub(alert, "identifier", identifier)
    sub(alert, "sender", sender_id)
    sub(alert, "sent", c.wire_time(sent_ms))
    sub(alert, "status", status.value)
    sub(alert, "msgType", "Ack")
    sub(alert, "scope", "Restricted")
    sub(alert, "restriction", f"{addressee} 한정 (for {addressee} only)")
    sub(alert, "addresses", c.quote_if_spaced(addressee))
    sub(alert, "code", c.PROFILE_CODE)
    if note:
        sub(alert, "note", note)
    sub(alert, "references", acked)
    return alert


def build_ack(
    *,
    acked_distribution_id: str,
    acked_sender_id: str,
    acked_sent_ms: int,
    sender_id: str,
    agency_id: str,
    sent_ms: int,
    note: str = "",
    status: DistributionStatus = DistributionStatus.ACTUAL,
) -> bytes:
    """An EDXL-DE 2.0 Ack (CAP 1.2 Ack inside) for the packet ``acked_distribution_id``.

    ``acked_sender_id`` and ``acked_sent_ms`` are the acknowledged packet's sender and sent
    time (they form CAP's reference); ``sender_id`` and ``agency_id`` name the agency.
    """
    for name, value in (("sender_id", sender_id), ("acked_sender_id", acked_sender_id)):
        if c.CAP_FORBIDDEN.search(value):
            raise ValueError(f"{name} {value!r} holds a space, comma, < or &")
    identifier = ack_id(acked_distribution_id, sender_id, sent_ms)
    reference = f"{acked_sender_id},{acked_distribution_id},{c.wire_time(acked_sent_ms)}"
    root = envelope_element(
        Envelope(
            distribution_id=identifier,
            sender_id=sender_id,
            sent_ms=sent_ms,
            expires_ms=sent_ms + ACK_LIFETIME_MS,
            status=status.value,
            kind=DistributionKind.ACK.value,
        )
    )
    descriptor = descriptor_element(root)
    value_list(descriptor, "senderRole", c.LIST_AGENCY, agency_id)
    value_list(descriptor, "keyword", c.LIST_ACKNOWLEDGES, acked_distribution_id)
    address = de_sub(descriptor, "explicitAddress")
    de_sub(address, "explicitAddressScheme", c.SCHEME_SENDER)
    de_sub(address, "explicitAddressValue", acked_sender_id)
    alert = ack_alert(
        identifier=identifier,
        sender_id=sender_id,
        sent_ms=sent_ms,
        status=status,
        acked=reference,
        addressee=acked_sender_id,
        note=note,
    )
    embed(root, alert, "CAP 1.2 Ack", identifier)
    return to_bytes(root)
