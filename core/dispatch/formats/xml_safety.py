"""Parsing XML from anyone without trusting it: no DTDs, no entities, no network, bounded size.

A document type declaration is refused outright (never loaded, never expanded): CAP and EDXL
need none, and a DTD is how entity-expansion ("billion laughs") and external-entity attacks
arrive. Every XML body the room reads, its own included, goes through ``parse_xml``.
"""

from __future__ import annotations

from lxml import etree

from core.dispatch.formats.common import InboundError

MAX_BODY_BYTES = 5 * 1024 * 1024
"""Largest message accepted (a CAP alert with a few embedded stills fits well inside)."""

# The byte patterns of a DTD in the encodings XML allows without a declaration to the contrary.
_DTD_MARKS = tuple(
    mark.encode(encoding)
    for mark in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)


def _parser() -> etree.XMLParser:
    # A parser per call: lxml parsers must not be shared between threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        collect_ids=False,
        remove_pis=True,
    )


def parse_xml(body: bytes, *, limit: int = MAX_BODY_BYTES) -> etree._Element:
    """The root element of ``body``; raises ``InboundError`` naming what is wrong with it."""
    if len(body) > limit:
        raise InboundError(
            f"message too large: {len(body):,} bytes, the limit is {limit:,}; "
            "send stills as links or in several messages"
        )
    if not body.strip():
        raise InboundError("empty body: send a CAP 1.2 alert or an EDXL-DE 2.0 distribution")
    if any(mark in body for mark in _DTD_MARKS):
        raise InboundError(
            "XML with a DOCTYPE or entity declarations is refused (never expanded): "
            "remove the <!DOCTYPE …> and any <!ENTITY …>"
        )
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as exc:
        line = f" at line {exc.lineno}" if exc.lineno else ""
        raise InboundError(f"not well-formed XML{line}: {exc.msg}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise InboundError("XML with a DOCTYPE is refused: remove the <!DOCTYPE …> declaration")
    entity = next(root.iter(etree.Entity), None)
    if entity is not None:
        raise InboundError(f"XML entity reference &{entity.name}; is refused: write the text out")
    return root
