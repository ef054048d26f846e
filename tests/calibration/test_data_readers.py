"""The data readers parse a file once while it is unchanged, re-read it when it changes, and give
every caller rows of its own: a calibration asks for the same files at every evaluation."""

from __future__ import annotations

import os

from calibration.data import bts, read_rows


def _write(path, text, mtime_ns=None):
    path.write_text(text)
    if mtime_ns is not None:  # a new modification time, as an edited file would have
        os.utime(path, ns=(mtime_ns, mtime_ns))


def test_a_small_file_is_read_again_once_it_changes(tmp_path):
    f = tmp_path / "rates.csv"
    _write(f, "port,rate\nA,1\n", mtime_ns=1_000_000_000)
    assert read_rows(f) == [{"port": "A", "rate": "1"}]
    _write(f, "port,rate\nA,2\n", mtime_ns=2_000_000_000)  # same size, later
    assert read_rows(f) == [{"port": "A", "rate": "2"}]
    _write(f, "port,rate\nA,30\n", mtime_ns=2_000_000_000)  # same time, longer
    assert read_rows(f) == [{"port": "A", "rate": "30"}]


def test_each_caller_gets_rows_of_its_own(tmp_path):
    f = tmp_path / "rates.csv"
    _write(f, "port,rate\nA,1\nB,2\n")
    first = read_rows(f)
    first[0]["rate"] = "changed"
    first.append({"port": "C", "rate": "3"})
    assert read_rows(f) == [{"port": "A", "rate": "1"}, {"port": "B", "rate": "2"}]


def test_a_large_file_is_parsed_afresh_and_reads_the_same(tmp_path, monkeypatch):
    f = tmp_path / "big.csv"
    _write(f, "port,rate\n" + "".join(f"P{i},{i}\n" for i in range(1000)))
    small = read_rows(f)
    monkeypatch.setattr("calibration.data.CACHED_FILE_BYTES", 100)
    assert read_rows(f) == small
    assert len(small) == 1000 and small[-1] == {"port": "P999", "rate": "999"}


def _bts(path, value, mtime_ns):
    rows = [f"Otay Mesa,{bts.BORDER},{m} 2017,Personal Vehicles,{value}" for m in bts.MONTH_ABBR]
    _write(path, "Port Name,Border,Date,Measure,Value\n" + "\n".join(rows) + "\n", mtime_ns)


def test_bts_answers_from_the_file_as_it_is_now(tmp_path):
    f = tmp_path / bts.BTS
    f.parent.mkdir(parents=True)
    _bts(f, 100, 1_000_000_000)
    assert bts.read(tmp_path, "Otay Mesa", [bts.PV], [2017])[bts.PV][(2017, 5)] == 100.0
    _bts(f, 200, 2_000_000_000)
    answer = bts.read(tmp_path, "Otay Mesa", [bts.PV], [2017])
    assert answer[bts.PV][(2017, 5)] == 200.0
    answer[bts.PV][(2017, 5)] = -1.0  # the caller's copy, not the cached answer
    assert bts.read(tmp_path, "Otay Mesa", [bts.PV], [2017])[bts.PV][(2017, 5)] == 200.0
