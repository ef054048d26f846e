"""Studies: modules that run the calibrated scenarios and compare them with observations, writing
reports only (never a scenario file).

* ``validate``: the uncalibrated port baselines against SANDAG's observed hourly waits (``VALIDATION_PORTS.md``).
* ``region_validate``: the staffed region model, fitted on one port and predicting the other (``VALIDATION.md``).
* ``expansion_report``: San Ysidro before/after its 2014 expansion against the reported waits (``EXPANSION*.md``).
* ``bts_volumes``: the volumes the scenarios imply against BTS monthly crossing counts.
* ``trucks``: the commercial method fitted at Brownsville Veterans, predicting El Paso Ysleta
  (``VALIDATION_TRUCKS.md``).
* ``pedestrians``: the pedestrian service time fitted at Otay Mesa, predicting San Ysidro
  (``VALIDATION_PEDESTRIANS.md``).
* ``new_ports``: a crossing built by ``port_new`` against its observed waits, before and after fitting
  (``VALIDATION_NEW_PORTS.md`` and a section of ``VALIDATION.md``).
* ``sections``: the marked sections several studies write into ``VALIDATION.md``.

Generators (the per-port and region modules one level up) derive parameters and write scenarios;
studies import them, never the other way round.
"""
