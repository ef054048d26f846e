"""Scenario files: the validated, inert description of a port (see ``schema``) and how files
are read and merged (see ``loader``)."""

from sim.scenario.loader import LoadedScenario, json_schema, load_scenario, scenario_from_dict
from sim.scenario.schema import Scenario

__all__ = ["LoadedScenario", "Scenario", "json_schema", "load_scenario", "scenario_from_dict"]
