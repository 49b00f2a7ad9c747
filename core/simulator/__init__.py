"""The built-in city simulator (the platform's linkage simulator for demos and drills)."""

from core.simulator.engine import Simulator, SimulatorConfig, SimulatorInfo, SimulatorStatus
from core.simulator.scenarios import SCENARIOS, Scenario, scenario

__all__ = [
    "SCENARIOS",
    "Scenario",
    "Simulator",
    "SimulatorConfig",
    "SimulatorInfo",
    "SimulatorStatus",
    "scenario",
]
