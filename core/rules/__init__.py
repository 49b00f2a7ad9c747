"""The situation-control rules engine: rule definitions and the engine that runs them.

Rules are read from TOML (:func:`load_rule_file`, :func:`default_rules`); a
:class:`RuleEngine` compiles them against a city and turns batches of event records into
:class:`Detection` values.
"""

from core.rules.definitions import (
    DEFAULT_RULE_FILE,
    AnyRule,
    Condition,
    CorrelationRule,
    Direction,
    DurationRule,
    Produces,
    RateRule,
    RuleFileError,
    RuleKind,
    StaleRule,
    ThresholdRule,
)
from core.rules.engine import Detection, EngineStats, ReadingEvidence, RuleEngine
from core.rules.loading import default_rules, load_rule_file, load_rule_text

__all__ = [
    "DEFAULT_RULE_FILE",
    "AnyRule",
    "Condition",
    "CorrelationRule",
    "Detection",
    "Direction",
    "DurationRule",
    "EngineStats",
    "Produces",
    "RateRule",
    "ReadingEvidence",
    "RuleEngine",
    "RuleFileError",
    "RuleKind",
    "StaleRule",
    "ThresholdRule",
    "default_rules",
    "load_rule_file",
    "load_rule_text",
]
