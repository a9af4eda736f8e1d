#!/usr/bin/env python3
"""Writes N generated applicants as a clerk's sheet (Persian headers, UTF-8 with BOM):
valid national IDs and mobiles, a mix of men and women (men with a military-service
status), both clusters, and, with --bad PERCENT, some rows that must be rejected.
Deterministic for a given N and seed.

Usage: python3 scripts/gen-applicants.py N OUT.csv [--bad PERCENT] [--seed S]
"""
import argparse
import csv
import os
import random

FIRST_M = ["علی", "محمد", "حسین", "رضا", "مهدی", "امیر", "سعید", "حمید", "مرتضی", "جواد", "مصطفی", "ابوالفضل"]
FIRST_F = ["فاطمه", "زهرا", "مریم", "معصومه", "سمیه", "نرگس", "لیلا", "الهام", "سارا", "نازنین", "پریسا", "کوثر"]
LAST = ["محمدی", "حسینی", "احمدی", "رضایی", "موسوی", "کریمی", "جعفری", "صادقی", "رحیمی", "هاشمی",
        "قاسمی", "نوری", "عباسی", "اکبری", "طاهری", "کریمی‌نژاد", "عبداللهی", "نیک‌پور", "خسروی", "قلی‌زاده"]
TRADES = ["قالی‌بافی", "گلیم‌بافی", "نان سنگک‌پز", "نان بربری‌پز", "سفالگری", "معرق‌کاری چوب"]
MILITARY = ["پایان خدمت", "معاف دائم", "معاف پزشکی", "معاف کفالت"]
# Mobiles under the prefixes pishkhan's shipped table gives an operator.
with open(os.path.join(os.path.dirname(__file__), "..", "assets", "mobile-prefixes.csv"), encoding="utf-8") as t:
    PREFIXES = [r["prefix"] for r in csv.DictReader(line for line in t if not line.startswith("#"))]


def check_digit(first9):
    s = sum(int(d) * (10 - i) for i, d in enumerate(first9))
    r = s % 11
    return r if r < 2 else 11 - r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    ap.add_argument("--bad", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=1402)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    used = set()
    with open(a.out, "w", encoding="utf-8-sig", newline="") as f:
        f.write("کد ملی,نام,نام خانوادگی,نام پدر,تاریخ تولد,جنسیت,وضعیت نظام وظیفه,تلفن همراه,حرفه,خوشه\n")
        for i in range(a.n):
            while True:
                first9 = f"{rng.randrange(10**9):09d}"
                nid = first9 + str(check_digit(first9))
                if nid not in used:
                    used.add(nid)
                    break
            male = rng.random() < 0.5
            first = rng.choice(FIRST_M if male else FIRST_F)
            birth = f"{rng.randrange(1345, 1384)}/{rng.randrange(1, 13):02d}/{rng.randrange(1, 30):02d}"
            r = rng.randrange(10**9)
            mobile = f"{PREFIXES[r % len(PREFIXES)]}{r // len(PREFIXES) % 10**7:07d}"
            row = [nid, first, rng.choice(LAST), rng.choice(FIRST_M), birth, "مرد" if male else "زن",
                   rng.choice(MILITARY) if male else "", mobile, rng.choice(TRADES), rng.choice(["60000", "90000"])]
            if rng.random() * 100 < a.bad:
                k = rng.randrange(3)
                if k == 0:
                    row[0] = nid[:9] + str((int(nid[9]) + 1) % 10)  # wrong check digit
                elif k == 1:
                    row[7] = mobile[:7]                              # short mobile
                else:
                    row[9] = "70000"                                 # unknown cluster
            f.write(",".join(row) + "\n")


if __name__ == "__main__":
    main()
