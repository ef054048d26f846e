"""The `poesim` command line: run, compare, validate, schema.

User errors (bad scenario files, bad options) print one clear message and exit with status 2;
no traceback. Output directories are written completely or not at all.
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List, Optional

import typer
from tqdm import tqdm

from sim import reports, runner
from sim.errors import PoesimError
from sim.scenario import json_schema, load_scenario

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="poesim: simulate land ports of entry and compare what-if scenarios.",
)

ScenarioArg = typer.Argument(..., exists=False, dir_okay=False, help="Scenario YAML file.")


@contextmanager
def _user_errors() -> Iterator[None]:
    try:
        yield
    except PoesimError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        typer.echo("interrupted: no output was written", err=True)
        raise typer.Exit(130) from None


@contextmanager
def _progress(total: int, desc: str) -> Iterator:
    # shown only on a terminal and only if the run takes more than a second
    bar = tqdm(total=total, desc=desc, unit="rep", delay=1.0, disable=None, file=sys.stderr)
    try:
        yield bar.update
    finally:
        bar.close()


@app.command()
def run(
    scenario: Path = ScenarioArg,
    reps: Optional[int] = typer.Option(None, "--reps", "-r", help="Replications (default: the scenario's)."),
    seed: Optional[int] = typer.Option(None, "--seed", "-s", help="Root random seed (default: the scenario's)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output directory (default: results/<scenario name>)."),
    records: bool = typer.Option(False, "--records", help="Also write per-traveller records as Parquet."),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help="Parallel processes (default: all cores)."),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Write PNG plots."),
) -> None:
    """Simulate a scenario and write summary.csv, queue.csv, manifest.json and plots."""
    with _user_errors():
        loaded = load_scenario(scenario)
        n = reps if reps is not None else loaded.scenario.replications
        with _progress(n, loaded.scenario.name) as tick:
            result = runner.run(loaded, n, seed, workers, keep_records=records, progress=tick)
        out_dir = out or Path("results") / scenario.stem
        files = reports.write_run(result, out_dir, records=records, plots=plots)
        typer.echo(reports.summary_table(result))
        typer.echo(f"\nwrote {len(files)} files to {out_dir}/: " + ", ".join(f.name for f in files))


@app.command()
def compare(
    scenarios: List[Path] = typer.Argument(..., help="Two or more scenario files; the first is the baseline."),
    reps: Optional[int] = typer.Option(None, "--reps", "-r", help="Replications (default: the first scenario's)."),
    seed: Optional[int] = typer.Option(None, "--seed", "-s", help="Root seed shared by all scenarios."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output directory (default: results/compare-<a>-vs-<b>)."),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help="Parallel processes (default: all cores)."),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Write PNG plots."),
) -> None:
    """Run scenarios with common random numbers; report paired differences from the first."""
    with _user_errors():
        loaded = [load_scenario(s) for s in scenarios]
        if len(loaded) < 2:
            raise PoesimError("compare: expected at least two scenario files")
        n = reps if reps is not None else loaded[0].scenario.replications
        with _progress(n * len(loaded), "compare") as tick:
            cmp = runner.compare(loaded, n, seed, workers, progress=tick)
        out_dir = out or Path("results") / ("compare-" + "-vs-".join(s.stem for s in scenarios))
        files = reports.write_comparison(cmp, out_dir, plots=plots)
        typer.echo(reports.comparison_table(cmp))
        typer.echo(f"\nwrote {len(files)} files to {out_dir}/: " + ", ".join(f.name for f in files))


@app.command()
def validate(scenarios: List[Path] = typer.Argument(..., help="Scenario files to check.")) -> None:
    """Check scenario files without running them."""
    failed = False
    for s in scenarios:
        try:
            loaded = load_scenario(s)
        except PoesimError as exc:
            typer.echo(f"error: {exc}", err=True)
            failed = True
            continue
        sc = loaded.scenario
        typer.echo(
            f"{s}: ok — {sc.name!r}: {len(sc.streams)} streams, {len(sc.lane_groups)} lane groups, "
            f"{sc.window.duration_h:g} h window"
        )
    if failed:
        raise typer.Exit(2)


@app.command()
def schema() -> None:
    """Print the scenario format as JSON Schema."""
    typer.echo(json.dumps(json_schema(), indent=2))


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
