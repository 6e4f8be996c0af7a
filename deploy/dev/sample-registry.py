#!/usr/bin/env python3
"""Writes a county registry file for `chain import` / `POST /v1/imports` on stdout: N households
of three members (head, spouse, child) in one village, one row per member, every resident ID
valid (GB 11643-1999 check character) and distinct. The same arguments always give the same
file, byte for byte. The people are made up.

usage: deploy/dev/sample-registry.py [--households N] [--village CODE] [--year YEAR] > file.csv
"""

import argparse
import datetime
import sys

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"
SURNAMES = "杨田冉张王李刘陈安任吴周"
GIVEN = ["德明", "秀英", "光荣", "小兵", "春梅", "国强", "玉兰", "建华", "晓燕", "志刚", "桂芬", "小雨"]
CAUSES = ["illness", "disability", "lack_of_skills", "lack_of_labour", "lack_of_water", "schooling_costs"]


def with_check(first17):
    return first17 + CHECK[sum(int(d) * w for d, w in zip(first17, WEIGHTS)) % 11]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--households", type=int, default=20000)
    p.add_argument("--village", default="520624101201")
    p.add_argument("--year", type=int, default=2016)
    a = p.parse_args()
    county = a.village[:6]
    out = sys.stdout
    out.write("household_ref,village,year,main_cause,per_capita_income_fen,name,resident_id,relation,labour\n")
    for i in range(a.households):
        # One birth date per household and role; the sequence number keeps IDs distinct.
        day, seq = divmod(i, 900)
        members = [
            ("head", datetime.date(1950, 1, 1), "ordinary"),
            ("spouse", datetime.date(1952, 6, 1), "ordinary"),
            ("child", datetime.date(2000, 1, 1), "none"),
        ]
        surname = SURNAMES[i % len(SURNAMES)]
        for k, (relation, base, labour) in enumerate(members):
            born = base + datetime.timedelta(days=day)
            rid = with_check(f"{county}{born:%Y%m%d}{seq + 100:03d}")
            name = surname + GIVEN[(i + 5 * k) % len(GIVEN)]
            if k == 0:
                household = f"SV-{i + 1:05d},{a.village},{a.year},{CAUSES[i % len(CAUSES)]},{150000 + (i % 100) * 1000}"
            else:
                household = f"SV-{i + 1:05d},,,,"
            out.write(f"{household},{name},{rid},{relation},{labour}\n")


if __name__ == "__main__":
    main()
