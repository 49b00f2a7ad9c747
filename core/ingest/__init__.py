"""Sensor ingest: field-device messages turned into ``SensorReading`` events.

:mod:`~core.ingest.validate` checks readings against the city's sensors,
:mod:`~core.ingest.schemes` and :mod:`~core.ingest.mapping` say where a message keeps its
parts, :mod:`~core.ingest.mqtt` feeds them from a broker and :mod:`~core.ingest.replay` from
recorded files. The MQTT adapter is imported from its module, so that the client library
loads only where it is used.
"""

from core.ingest.mapping import EXAMPLE_MAPPING, MappingError, load_mapping
from core.ingest.replay import ReplayFileError, replay_file
from core.ingest.schemes import DOCUMENTED, JsonPath, RawReading, Scheme, TopicPattern, TsFormat
from core.ingest.stats import IngestStats, Rejected, RejectReason
from core.ingest.validate import IngestBatch, Message, ValidationPolicy, Validator, timestamp_ms

__all__ = [
    "DOCUMENTED",
    "EXAMPLE_MAPPING",
    "IngestBatch",
    "IngestStats",
    "JsonPath",
    "MappingError",
    "Message",
    "RawReading",
    "RejectReason",
    "Rejected",
    "ReplayFileError",
    "Scheme",
    "TopicPattern",
    "TsFormat",
    "ValidationPolicy",
    "Validator",
    "load_mapping",
    "replay_file",
    "timestamp_ms",
]
