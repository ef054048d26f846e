"""The `poesim` command line: run, compare, sweep, staff, report, validate, schema, ...

User errors (bad scenario files, bad options) print one clear message and exit with status 2;
no traceback. Output directories are written completely or not at all.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from enum import Enum
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import typer
from tqdm import tqdm

from sim import __version__, rundir
from sim.datadir import default_data_dir
from sim.errors import PoesimError
from sim.executors import DASK_ENV, make_executor
from sim.scenario import LoadedScenario, json_schema, load_scenario


def _lazy(name: str) -> ModuleType:
    """``name`` imported on first attribute access (importlib's LazyLoader): `poesim validate`,
    `schema` and `--help` start without loading pandas, SciPy and matplotlib."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.loader is not None
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


if TYPE_CHECKING:
    from sim import checkpoints, delay_cost_report, regression, reports, runner, sweeps
else:
    checkpoints, delay_cost_report, regression, reports, runner, sweeps = (
        _lazy(f"sim.{m}") for m in ("checkpoints", "delay_cost_report", "regression", "reports", "runner", "sweeps"))

# rich_markup_mode=None: plain help, where a switch shows as --records / --no-records with no value type
app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="poesim: simulate land ports of entry and compare what-if scenarios.",
)


class Stats(str, Enum):
    """--stats: how replications keep their statistics (runner.STATS_MODES)."""

    auto = "auto"
    exact = "exact"
    streaming = "streaming"


class EngineChoice(str, Enum):
    """--engine: which engine simulates (runner.choose_engine); both give the same results."""

    auto = "auto"
    simpy = "simpy"
    fast = "fast"


EngineOpt = typer.Option(
    EngineChoice.auto, "--engine",
    help="auto (the compiled fast engine where it applies, else SimPy with a one-line notice), simpy or fast "
         "(an error where it does not apply). Both give every traveller the same times.")


class Metric(str, Enum):
    """--metric: the whole-window wait statistic --precision targets (statistics.WAIT_METRICS)."""

    mean_wait_min = "mean_wait_min"
    p50_wait_min = "p50_wait_min"
    p90_wait_min = "p90_wait_min"
    p95_wait_min = "p95_wait_min"
    max_wait_min = "max_wait_min"


class Per(str, Enum):
    """--per: judge staffing targets per clock hour or per hour band (staffing_search.PER)."""

    hour = "hour"
    band = "band"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"poesim {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print poesim's version and exit."),
) -> None:
    """poesim: simulate land ports of entry and compare what-if scenarios."""

ScenarioArg = typer.Argument(..., help="Scenario YAML file.")  # the loader checks it (one clear line)
CHECKPOINTS = "replications"  # per-replication checkpoints inside an output directory, removed when done


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
    except OSError as exc:  # the place, not the program: a full disk, a directory that vanished, ...
        where = f"{exc.filename}: " if exc.filename else ""
        typer.echo(f"error: {where}{exc.strerror or exc}", err=True)
        raise typer.Exit(2) from None


@contextmanager
def _progress(total: int | None, desc: str) -> Iterator:
    # shown only on a terminal and only if the run takes more than a second
    bar = tqdm(total=total, desc=desc, unit="rep", delay=1.0, disable=None, file=sys.stderr)
    try:
        yield bar.update
    finally:
        bar.close()


DaskOpt = typer.Option(
    None, "--dask", envvar=DASK_ENV, show_envvar=True,  # the one place the environment chooses a cluster
    help="Run on this Dask scheduler (tcp://host:port); default: $DASK_SCHEDULER_ADDRESS, else local processes.")
WorkersOpt = typer.Option(
    None, "--workers", "-w", help="Local worker processes, 1 to 256 (default: all cores).")
SetOpt = typer.Option(
    None, "--set", metavar="FIELD=VALUE",
    help="FIELD=VALUE: change a field of the scenario (after extends), e.g. demand_scale=1.1 or "
         "lane_groups.pov_general.lanes=12; repeat for several.")


def _with_settings(loaded: LoadedScenario, set_: list[str] | None) -> LoadedScenario:
    """The scenario with the --set fields changed (one value each), validated again."""
    settings = []
    for spec in set_ or []:
        path, values = sweeps.parse_set(spec)
        if len(values) != 1:
            raise PoesimError(f"--set {spec!r}: expected one value here (a grid of values is `poesim sweep`)")
        settings.append((path, values[0]))
    return sweeps.apply_settings(loaded, settings)
ReportOpt = typer.Option(
    False, "--report/--no-report", help="Also write report.html: the results as one self-contained page.")


def _write_report(out_dir: Path) -> None:
    """Write DIR/report.html after the outputs (the command holds the directory's lock)."""
    from sim import html_report

    typer.echo(f"wrote {html_report.write_report(out_dir)}")


def _percent(text: str) -> float:
    try:
        v = float(text.strip().rstrip("%")) / (100.0 if text.strip().endswith("%") else 1.0)
    except ValueError:
        raise PoesimError(f"--precision: expected a percentage like 5% or a fraction like 0.05, got {text!r}") from None
    return v


@app.command()
def run(
    scenario: Path = ScenarioArg,
    reps: int | None = typer.Option(None, "--reps", "-r", help="Replications (default: the scenario's)."),
    seed: int | None = typer.Option(None, "--seed", "-s", help="Root random seed (default: the scenario's)."),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Output directory (default: results/<scenario file name>)."),
    records: bool = typer.Option(
        False, "--records/--no-records", help="Also write per-traveller records as Parquet."),
    workers: int | None = WorkersOpt,
    dask: str | None = DaskOpt,
    precision: str | None = typer.Option(
        None, "--precision",
        help="Add replications until the 95 % CI half-width is within this share of the value, e.g. 5%."),
    metric: Metric = typer.Option(
        Metric.mean_wait_min, "--metric", help="Metric for --precision (whole window, all programs)."),
    lane_group: str | None = typer.Option(
        None, "--lane-group", help="Lane group for --precision (default: the busiest)."),
    max_reps: int = typer.Option(1000, "--max-reps", help="Upper limit on replications for --precision."),
    resume: bool = typer.Option(
        False, "--resume/--no-resume", help="Keep the replications an interrupted run into the same --out finished."),
    replication: int | None = typer.Option(
        None, "--replication", help="Run only this replication number (to replay one that failed)."),
    stats: Stats = typer.Option(
        Stats.auto, "--stats",
        help="exact (keeps every traveller), streaming (bounded memory, percentiles ±1 %), "
             "or auto (streaming beyond a week or 2 million arrivals)."),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Write PNG plots."),
    set_: list[str] | None = SetOpt,
    report: bool = ReportOpt,
    engine: EngineChoice = EngineOpt,
) -> None:
    """Simulate a scenario and write summary.csv, queue.csv, manifest.json and plots."""
    with _user_errors(), ExitStack() as held:
        loaded = _with_settings(load_scenario(scenario), set_)
        out_dir = out or Path("results") / scenario.stem
        ckpt_dir = out_dir / CHECKPOINTS
        held.enter_context(rundir.claim(out_dir))  # writable, and this run's alone, before simulating
        if resume:
            done = len(checkpoints.finished(ckpt_dir))
            typer.echo(f"resuming: {done} replications already finished in {ckpt_dir}/", err=True)
        with make_executor(workers, dask) as ex:
            if precision is not None:
                if records:
                    raise PoesimError("--records cannot be combined with --precision")
                with _progress(None, loaded.scenario.name) as tick:
                    result = runner.run_to_precision(
                        loaded, _percent(precision), seed=seed,
                        target=runner.Precision(metric.value, lane_group, max_replications=max_reps),
                        execution=runner.Execution(executor=ex, progress=tick, checkpoint_dir=ckpt_dir, resume=resume,
                                                   engine=engine.value))
            else:
                n = 1 if replication is not None else (reps if reps is not None else loaded.scenario.replications)
                with _progress(n, loaded.scenario.name) as tick:
                    result = runner.run(
                        loaded, request=runner.RunRequest(n, seed, records, stats.value, only=replication),
                        execution=runner.Execution(executor=ex, progress=tick, checkpoint_dir=ckpt_dir, resume=resume,
                                                   engine=engine.value))
        try:
            files = reports.write_run(result, out_dir, records=records, plots=plots)
        except OSError as exc:
            raise PoesimError(
                f"--out {out_dir}: cannot write the results ({exc.filename or ''}: {exc.strerror or exc}); the "
                f"finished replications are kept in {ckpt_dir}/: make room and run again with --resume") from None
        foreign = checkpoints.remove(ckpt_dir)  # only the files poesim wrote there
        if foreign:
            typer.echo(f"kept {len(foreign)} files poesim did not write in {ckpt_dir}/", err=True)
        typer.echo(reports.summary_table(result))
        for extra in (reports.staffing_text(result) if not result.staffing.empty else "", reports.ports_text(result),
                      delay_cost_report.run_headline(result), reports.overload_text(result)):
            if extra:
                typer.echo("\n" + extra)
        if result.precision:
            p = result.precision
            verdict = "reached" if p["reached"] else f"NOT reached (stopped at --max-reps {max_reps})"
            typer.echo(f"\nprecision {verdict}: {p['metric']} of {p['lane_group']} = "
                       f"{p['value']:.3f} ± {p['halfwidth']:.3f} "
                       f"({100 * p['rel_halfwidth']:.1f} % ≤ target {100 * p['target_rel_halfwidth']:.1f} %) "
                       f"after {p['replications_needed']} replications")
        typer.echo(f"\nwrote {len(files)} files to {out_dir}/: " + ", ".join(f.name for f in files))
        if report:
            _write_report(out_dir)


@app.command()
def compare(
    scenarios: list[Path] = typer.Argument(..., help="Two or more scenario files; the first is the baseline."),
    reps: int | None = typer.Option(None, "--reps", "-r", help="Replications (default: the first scenario's)."),
    seed: int | None = typer.Option(None, "--seed", "-s", help="Root seed shared by all scenarios."),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Output directory (default: results/compare-<a>-vs-<b>)."),
    workers: int | None = WorkersOpt,
    dask: str | None = DaskOpt,
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Write PNG plots."),
    set_: list[str] | None = SetOpt,
    report: bool = ReportOpt,
    engine: EngineChoice = EngineOpt,
) -> None:
    """Run scenarios with common random numbers; report paired differences from the first.

    --set changes the same field in every scenario (e.g. compare them all under demand_scale=1.1)."""
    with _user_errors(), ExitStack() as held:
        loaded = [_with_settings(load_scenario(s), set_) for s in scenarios]
        if len(loaded) < 2:
            raise PoesimError("compare: expected at least two scenario files")
        n = reps if reps is not None else loaded[0].scenario.replications
        out_dir = out or Path("results") / ("compare-" + "-vs-".join(s.stem for s in scenarios))
        held.enter_context(rundir.claim(out_dir))
        with make_executor(workers, dask) as ex, _progress(n * len(loaded), "compare") as tick:
            cmp = runner.compare(loaded, n, seed, progress=tick, executor=ex, engine=engine.value)
        files = reports.write_comparison(cmp, out_dir, plots=plots)
        typer.echo(reports.comparison_text(cmp, detail=False))
        typer.echo(f"\nwrote {len(files)} files to {out_dir}/: " + ", ".join(f.name for f in files))
        if report:
            _write_report(out_dir)


@app.command()
def sweep(
    scenario: Path = ScenarioArg,
    set_: list[str] = typer.Option(
        ..., "--set", metavar="FIELD=VALUES",
        help="FIELD=VALUES, e.g. lane_groups.pov_general.lanes_open=4..12 or ...=0.02,0.05; repeat for a grid."),
    reps: int | None = typer.Option(
        None, "--reps", "-r", help="Replications per grid point (default: the scenario's)."),
    seed: int | None = typer.Option(None, "--seed", "-s", help="Root seed shared by all grid points."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Output directory (default: results/sweep-<scenario>)."),
    workers: int | None = WorkersOpt,
    dask: str | None = DaskOpt,
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Write PNG plots."),
    report: bool = ReportOpt,
) -> None:
    """Run a grid of what-ifs over a base scenario (common random numbers); one tidy table and a plot."""
    with _user_errors(), ExitStack() as held:
        settings = [sweeps.parse_set(x) for x in set_]
        loaded = load_scenario(scenario)
        n = reps if reps is not None else loaded.scenario.replications
        points = 1
        for _, values in settings:
            points *= len(values)
        out_dir = out or Path("results") / f"sweep-{scenario.stem}"
        held.enter_context(rundir.claim(out_dir))
        with make_executor(workers, dask) as ex, _progress(n * points, "sweep") as tick:
            result = sweeps.run_sweep(loaded, settings, n, seed, progress=tick, executor=ex)
        files = reports.write_sweep(result, out_dir, plots=plots)
        typer.echo(reports.sweep_table(result))
        typer.echo(f"\nwrote {len(files)} files to {out_dir}/: " + ", ".join(f.name for f in files))
        if report:
            _write_report(out_dir)


@app.command()
def staff(
    scenario: Path = ScenarioArg,
    target: list[str] = typer.Option(
        ..., "--target", "-t",
        help="Wait target, [LANE_GROUP] [HH-HH]: STATISTIC <= LIMIT [min|h], e.g. 'p95 <= 30 min', "
             "'om_pov_general: mean <= 60 min' or 'om_pov_sentri 04-23: mean <= 25 min' (STATISTIC: mean, p50, "
             "p90, p95, max; LANE_GROUP a name or a pattern such as 'om_pov_*', default every group the rosters "
             "staff; HH-HH the hours it holds in, end exclusive, default all day); repeat for several."),
    per: Per = typer.Option(
        Per.hour, "--per", help="Judge targets per clock hour of arrival (hour) or per hour band (band)."),
    roster: list[str] | None = typer.Option(
        None, "--roster", help="Roster to change (repeatable; default: the rosters staffing the targeted groups)."),
    reps: int = typer.Option(10, "--reps", "-r", help="Replications per candidate roster (common random numbers)."),
    seed: int | None = typer.Option(None, "--seed", "-s", help="Seed of the search (default: the scenario's)."),
    confidence: float = typer.Option(
        0.95, "--confidence", help="One-sided level of the upper bound that must be within each target."),
    search_confidence: float = typer.Option(
        0.99, "--search-confidence",
        help="The stricter level the search holds each target to on its own replications (it selects lucky ones)."),
    max_evaluations: int = typer.Option(
        60, "--max-evaluations", help="At most this many candidate rosters simulated by the search."),
    verify_reps: int | None = typer.Option(
        None, "--verify-reps", help="Fresh replications checking the roster found (default: 2 × --reps)."),
    verify_seed: int | None = typer.Option(
        None, "--verify-seed", help="Seed of the fresh check (default: the search's seed + 1)."),
    repair_rounds: int = typer.Option(
        2, "--repair-rounds", help="If the fresh check misses, add officers and check again on new replications."),
    exchanges: bool = typer.Option(
        True, "--exchanges/--no-exchanges", help="Also try moving an officer an hour earlier to drop two later."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Output directory (default: results/staff-<scenario>)."),
    whatif: Path | None = typer.Option(
        None, "--whatif",
        help="Write the roster found as an extends: what-if here (default: OUT/<scenario>_staffed.yaml)."),
    workers: int | None = WorkersOpt,
    dask: str | None = DaskOpt,
    report: bool = ReportOpt,
) -> None:
    """Find the fewest officer-hours by hour that meet wait targets; write the roster as a what-if.

    Exits 1 if the roster found misses a target on the fresh replications (the outputs are written)."""
    from sim import staffing_report, staffing_search

    with _user_errors(), ExitStack() as held:
        loaded = load_scenario(scenario)
        problem = staffing_search.make_problem(loaded, target, per.value, roster)
        out_dir = out or Path("results") / f"staff-{scenario.stem}"
        held.enter_context(rundir.claim(out_dir))  # writable, and this search's alone, before simulating
        with make_executor(workers, dask) as ex, tqdm(desc="staff", unit="rep", delay=1.0, disable=None,
                                                       file=sys.stderr) as bar:

            def tick(n: int) -> None:
                bar.update(n)

            result = staffing_search.search(
                problem, replications=reps, seed=seed, confidence=confidence,
                search_confidence=search_confidence, max_evaluations=max_evaluations,
                verify_replications=verify_reps, verify_seed=verify_seed, repair_rounds=repair_rounds, executor=ex,
                progress=tick, log=lambda msg: tqdm.write(msg, file=sys.stderr), exchanges=exchanges)
        files = staffing_report.write_staffing(result, out_dir, whatif, argv=sys.argv)
        typer.echo(staffing_report.report_text(result))
        typer.echo(f"\nwrote {len(files)} files: " + ", ".join(str(f) for f in files))
        if report:
            _write_report(out_dir)
        problem_text = staffing_report.whatif_problem(staffing_report.whatif_path(result, out_dir, whatif))
        if problem_text:
            typer.echo(f"note: the what-if does not load where it is ({problem_text}); write it into the scenario "
                       "library with --whatif scenarios/<dir>/<name>.yaml", err=True)
        if not result.met:
            raise typer.Exit(1)


@app.command()
def report(
    result_dir: Path = typer.Argument(..., help="Output directory of run, compare, sweep or staff."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the page here (default: DIR/report.html)."),
) -> None:
    """Write the results in DIR as one self-contained HTML page (opens offline, prints)."""
    from sim import html_report

    with _user_errors(), ExitStack() as held:
        html_report.open_result(result_dir)  # a clear message if DIR is not a result directory
        if out is None or out.resolve().parent == result_dir.resolve():
            held.enter_context(rundir.claim(result_dir))  # not while a run writes into DIR
        typer.echo(f"wrote {html_report.write_report(result_dir, out)}")


@app.command()
def calibrate(
    config: Path = typer.Argument(..., help="Calibration file, e.g. calibration/otay_mesa.yaml."),
    data: Path | None = typer.Option(
        None, "--data", show_default=False,
        help="The public data directory (see calibration/README.md). Default: $POESIM_DATA_DIR, else ../shared/data."),
    workers: int | None = WorkersOpt,
    check: bool = typer.Option(
        False, "--check/--no-check",
        help="Re-fit but do not write: exit 1 if the committed outputs differ from a fresh calibration."),
    replay: bool = typer.Option(
        False, "--replay/--no-replay",
        help="Do not fit: check the committed record's data hashes and residuals with one run at its values "
             "(seconds)."),
) -> None:
    """Fit a port's parameters to the public data; write them with their provenance and the scenario built from them."""
    data = data or default_data_dir()
    from sim import calibrate as cal

    with _user_errors():
        if replay:
            rec, problems = cal.replay(config, data, workers=workers)
            for p in problems:
                typer.echo(p, err=True)
            if problems:
                raise typer.Exit(1)
            typer.echo(f"committed record reproduced: {len(rec['data'])} data files, {len(rec['residuals'])} residuals")
            return
        rec, files = cal.calibrate(config, data, workers=workers, check=check, log=typer.echo)
        typer.echo(f"\n{rec['evaluations']} evaluations of {rec['replications']} replications (seed {rec['seed']})")
        for name, r in rec["residuals"].items():
            typer.echo(f"  {name:32s} = {rec['parameters'][name]:<8g} {r['metric']}: "
                       f"observed mean {r['observed_mean']:.2f}, "
                       f"simulated {r['simulated_mean']:.2f}, MAE {r['mae']:.2f} over {r['hours']} hours")
        if check:
            if files:
                typer.echo("differ from a fresh calibration: " + ", ".join(str(f) for f in files), err=True)
                raise typer.Exit(1)
            typer.echo("committed outputs reproduced")
        else:
            typer.echo("wrote " + ", ".join(str(f) for f in files))


port_app = typer.Typer(help="Ports built from public data.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(port_app, name="port")


@port_app.command("new")
def port_new(
    crossing: str = typer.Argument(..., help="CBP port number (e.g. 535502) or words of 'port - crossing'."),
    data: Path | None = typer.Option(
        None, "--data", show_default=False,
        help="The public data directory. Default: $POESIM_DATA_DIR, else ../shared/data."),
    fit: bool = typer.Option(False, "--fit/--no-fit",
                             help="Fit a service-time scale to the crossing's observed waits (where they exist)."),
    out: Path | None = typer.Option(None, "--out", help="Default: scenarios/<port_crossing>/baseline.yaml."),
) -> None:
    """Write a baseline scenario for a US-Mexico land crossing from public data alone (lanes, hours,
    officers, volumes; every number's source in the file). Needs the repository's calibration package."""
    with _user_errors():
        from sim.calibrate import import_port_module

        mod = import_port_module("calibration.port_new", Path.cwd())
        argv = [crossing, "--data", str(data or default_data_dir())] + (["--fit"] if fit else [])
        argv += ["--out", str(out)] if out else []
        try:
            mod.main(argv)
        except (ValueError, FileNotFoundError) as exc:
            raise PoesimError(str(exc)) from None


baseline_app = typer.Typer(help="Regression baselines under results/baselines/.", no_args_is_help=True,
                           rich_markup_mode=None)
app.add_typer(baseline_app, name="baseline")


@baseline_app.command("save")
def baseline_save(
    scenarios: list[Path] = typer.Argument(..., help="Scenario files whose current results become the baseline."),
    reps: int | None = typer.Option(None, "--reps", "-r", help="Replications (default: the scenario's)."),
    directory: Path = typer.Option(Path("results/baselines"), "--dir", help="Where baselines are stored."),
    workers: int | None = WorkersOpt,
    dask: str | None = DaskOpt,
) -> None:
    """Run scenarios and store their per-replication statistics as regression baselines."""
    with _user_errors():
        loaded = [load_scenario(s) for s in scenarios]
        with make_executor(workers, dask) as ex:
            for path, ls in zip(scenarios, loaded, strict=True):
                result = runner.run(ls, reps, progress=None, executor=ex)
                doc = regression.baseline_document(result, path.as_posix())
                target = directory / f"{regression.baseline_name(path)}.json"
                checkpoints.atomic_write_bytes(target, (json.dumps(doc, indent=1) + "\n").encode())
                typer.echo(f"saved {target}: {result.name}, {result.replications} replications, seed {result.seed}, "
                           f"{len(doc['cells'])} cells")


@app.command()
def regress(
    baselines: list[Path] | None = typer.Argument(None, help="Baseline files (default: every *.json in --dir)."),
    directory: Path = typer.Option(Path("results/baselines"), "--dir", help="Where baselines are stored."),
    alpha: float = typer.Option(
        0.01, "--alpha", help="Family-wise false-alarm rate per scenario (Holm-corrected paired t-tests)."),
    json_out: Path | None = typer.Option(None, "--json", help="Also write the report as JSON here."),
    junit_out: Path | None = typer.Option(None, "--junit", help="Also write the report as JUnit XML here."),
    workers: int | None = WorkersOpt,
    dask: str | None = DaskOpt,
) -> None:
    """Re-run every baselined scenario and fail (exit 1) if a result moved beyond statistical noise."""
    with _user_errors():
        files = list(baselines) if baselines else sorted(directory.glob("*.json"))
        if not files:
            raise PoesimError(f"regress: no baselines in {directory}/; "
                              "create them with `poesim baseline save SCENARIO...`")
        checks = []
        with make_executor(workers, dask) as ex:
            for f in files:
                try:
                    doc = regression.load_baseline(f)
                except (OSError, ValueError) as exc:
                    raise PoesimError(f"{f}: cannot read baseline ({exc})") from None
                result = runner.run(doc["scenario_file"], doc["replications"], doc["seed"], executor=ex)
                checks.append(regression.check(doc, result, f.as_posix(), alpha))
        typer.echo(regression.report_text(checks))
        if json_out:
            report = json.dumps(regression.report_json(checks), indent=1, default=float)
            checkpoints.atomic_write_bytes(json_out, report.encode())
        if junit_out:
            checkpoints.atomic_write_bytes(junit_out, regression.report_junit(checks).encode())
        if not all(c.passed for c in checks):
            raise typer.Exit(1)


@app.command()
def validate(scenarios: list[Path] = typer.Argument(..., help="Scenario files to check.")) -> None:
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
def schema(
    markdown: bool = typer.Option(
        False, "--markdown/--json",
        help="A readable reference (a Markdown table per section: field, type, default, bounds, description) "
             "instead of JSON Schema."),
) -> None:
    """Print the scenario format as JSON Schema, or as a readable reference with --markdown."""
    if markdown:
        from sim.scenario.reference import schema_markdown

        typer.echo(schema_markdown())
    else:
        typer.echo(json.dumps(json_schema(), indent=2))


@app.command("dask-env")
def dask_env() -> None:
    """Print the Dask settings for a cluster that runs replications, as shell exports.

    Start the cluster's scheduler and workers after them, e.g. ``eval "$(poesim dask-env)"; dask worker
    tcp://host:8786 --nthreads 1``: they quieten Dask's periodic work (profiler, health checks) that
    competes with replications for the cores."""
    from sim.executors import dask_worker_env

    for name, value in dask_worker_env().items():
        typer.echo(f"export {name}={value}")


if __name__ == "__main__":  # pragma: no cover
    app()
