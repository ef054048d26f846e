"""Errors poesim reports to users (bad scenario files, bad options), as opposed to bugs."""

from __future__ import annotations


class PoesimError(Exception):
    """An error caused by user input; the CLI prints its message without a traceback."""


class ScenarioError(PoesimError):
    """A scenario file that cannot be read or does not describe a valid port.

    ``problems`` holds one line per problem, each naming the file, the line (when the YAML
    parser knows it), the field and what was expected.
    """

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))
