"""Calibration of poesim's port scenarios from public data (a development package: not in the wheel).

Run its generators from the repository root as modules, e.g.
``.venv/bin/python -m calibration.otay_mesa_baseline --data ../shared/data`` (see ``calibration/README.md``).

* ``calibration.data``: one reader per source (``sandag``, ``bts``, ``cbp`` historical averages,
  ``cbp_feed`` posted waits and lanes plus the Texas bridge counts), with its repairs;
* ``calibration.assumptions``: the numbers no data file gives, each with its source;
* ``calibration.yaml_writer``: the commented-YAML helpers and the generators' command line;
* per-port modules that derive a scenario and render it (``otay_mesa_baseline``, ``san_ysidro_baseline``,
  ``otay_mesa_year``, ``san_ysidro_expansion``, ``region_2017``, ``region_expansion``,
  ``weekday_factors``, ``delay_cost_parameters``, ``commercial``, ``port_new``): each writes scenario or
  parameter files;
* ``calibration.studies``: studies that run those scenarios against observations and write reports only
  (``validate``, ``region_validate``, ``expansion_report``, ``bts_volumes``, ``trucks``, ``new_ports``).
"""
