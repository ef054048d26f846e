"""Every field of the scenario format says what it means (units, bounds), in `poesim schema` and its
Markdown reference."""

from __future__ import annotations

import typing

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.scenario.schema import Scenario


def _models_in(annotation: typing.Any) -> typing.Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def schema_models() -> dict[str, dict[str, FieldInfo]]:
    """Every model the scenario holds (recursively through unions, mappings and lists), by class name."""
    out: dict[str, dict[str, FieldInfo]] = {}
    todo: list[type[BaseModel]] = [Scenario]
    while todo:
        model = todo.pop()
        if model.__name__ in out:
            continue
        out[model.__name__] = dict(model.model_fields)
        for info in model.model_fields.values():
            todo += list(_models_in(info.annotation))
    return out


def test_the_walk_reaches_every_part_of_a_scenario():
    assert {"Scenario", "Window", "Stream", "Demand", "DayDemand", "LaneGroup", "LanePolicy", "Roster",
            "SecondaryFacility", "PostedWaitLogit", "FixedShares", "ShortestExpectedWait", "Exponential",
            "Empirical"} <= set(schema_models())


def test_every_field_of_every_scenario_model_has_a_description():
    missing = [f"{m}.{name}" for m, fields in schema_models().items() for name, info in fields.items()
               if not (info.description or "").strip()]
    assert not missing
