#!/usr/bin/env python3
"""Writes tests/fixtures/jalali_jdatetime.csv: Jalali dates with their Gregorian day and
weekday as Python's jdatetime computes them, an independent reference for the tests.

Covers every Nowruz, every last day of Esfand and every 37th day of 1300-1500.
Run: pip install jdatetime && python3 scripts/gen_jalali_fixture.py
"""
import datetime
import pathlib

import jdatetime

WEEKDAYS = ["Saturday", "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]

days = set()
for year in range(1300, 1501):
    days.add(jdatetime.date(year, 1, 1))
    last = 30 if jdatetime.date(year, 1, 1).isleap() else 29
    days.add(jdatetime.date(year, 12, last))
day = jdatetime.date(1300, 1, 1)
end = jdatetime.date(1501, 1, 1)
while day < end:
    days.add(day)
    day += datetime.timedelta(days=37)

out = pathlib.Path(__file__).resolve().parent.parent / "tests/fixtures/jalali_jdatetime.csv"
with out.open("w") as f:
    f.write("jalali,iso,weekday\n")
    for d in sorted(days):
        f.write(f"{d.year:04}/{d.month:02}/{d.day:02},{d.togregorian().isoformat()},{WEEKDAYS[d.weekday()]}\n")
print(f"{out}: {len(days)} dates")
