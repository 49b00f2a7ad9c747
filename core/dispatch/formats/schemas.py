"""The compiled XML schemas, built once per process from the vendored files (never the network).

Compiling CAP 1.2 takes a few milliseconds and EDXL-DE 2.0 with its imports (GML 3.2.1, the
ISO 19139 types GML pulls in, XLink) a few tens; validating a packet then takes well under a
millisecond. A compiled schema keeps its error log on itself, so each one is used under its
own lock: validation is safe from any thread.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from core.dispatch.formats.common import SCHEMA_DIR, readable_path, short_names

CAP_XSD = SCHEMA_DIR / "cap-1.2" / "CAP-v1.2.xsd"
EDXL_XSD = SCHEMA_DIR / "edxl-de-2.0" / "edxl-de-2.0-with-cap-1.2.xsd"
"""EDXL-DE 2.0 loaded together with CAP 1.2 (its embedded content is validated strictly)."""


@dataclass(frozen=True, slots=True)
class SchemaError:
    """One schema violation: the line in the document, an XPath to the element and the text."""

    line: int
    path: str
    message: str


class CompiledSchema:
    """An XSD compiled on first use and shared by every thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._schema: etree.XMLSchema | None = None
        self._lock = threading.Lock()

    def _compiled(self) -> etree.XMLSchema:
        if self._schema is None:
            parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
            self._schema = etree.XMLSchema(etree.parse(str(self.path), parser))
        return self._schema

    def errors(self, element: etree._Element) -> list[SchemaError]:
        """What in ``element`` violates the schema (empty when it is valid).

        An element inside a larger document (a CAP alert in an EDXL envelope) is validated as
        a document of its own; the paths reported still start at the outer document's root.
        """
        parent = element.getparent()
        target = element if parent is None else copy.deepcopy(element)  # keeps source lines
        prefix = "" if parent is None else readable_path(parent)
        with self._lock:
            schema = self._compiled()
            if schema.validate(target):
                return []
            entries = list(schema.error_log)
        return [
            SchemaError(
                line=int(entry.line),
                path=prefix + _element_path(target, str(entry.path or "")),
                message=short_names(str(entry.message)),
            )
            for entry in entries
        ]

    def warm(self) -> None:
        """Compile now (start-up), so the first packet does not pay for it."""
        with self._lock:
            self._compiled()


def _element_path(root: etree._Element, xpath: str) -> str:
    # libxml2 reports paths like /*/*[7]/*[2]; name the elements instead.
    try:
        found = root.getroottree().xpath(xpath) if xpath else []
    except etree.XPathError:
        found = []
    if found and isinstance(found[0], etree._Element):
        return readable_path(found[0])
    return short_names(xpath) or "/"


CAP_SCHEMA = CompiledSchema(CAP_XSD)
EDXL_SCHEMA = CompiledSchema(EDXL_XSD)
