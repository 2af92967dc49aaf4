#!/usr/bin/env python3
"""Generates the tiny PTB-XL-shaped fixture (stdlib only, independent of the C# reader).

Three fake records, 12 leads, format 16 little-endian, gain 1000/mV, baseline 0, 1 s long at 100 Hz (records100)
and, for the first record, 500 Hz (records500). Checksums are the WFDB 16-bit signed sums computed here.
Run from this directory: python3 make_fixture.py
"""
import math, os, struct

LEADS = ["I", "II", "III", "AVR", "AVL", "AVF", "V1", "V2", "V3", "V4", "V5", "V6"]

def signal(ecg_id, lead, fs, n):
    # distinct per record and lead: a sine of (ecg_id + lead) Hz with amplitude (lead+1)*100 uV plus a lead offset and a sawtooth
    return [int(round((lead + 1) * 100 * math.sin(2 * math.pi * (ecg_id + lead) * t / fs))) + 10 * lead - 50 + (t * (lead + 1)) % 97 for t in range(n)]

def checksum(xs):
    s = sum(xs) & 0xFFFF
    return s - 0x10000 if s >= 0x8000 else s

def write(path, ecg_id, fs):
    n = fs
    name = os.path.basename(path)
    sigs = [signal(ecg_id, l, fs, n) for l in range(12)]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".dat", "wb") as f:
        for t in range(n):
            f.write(struct.pack("<12h", *[sigs[l][t] for l in range(12)]))
    with open(path + ".hea", "w", newline="\n") as f:
        f.write(f"{name} 12 {fs} {n}\n")
        for l in range(12):
            f.write(f"{name}.dat 16 1000.0(0)/mV 16 0 {sigs[l][0]} {checksum(sigs[l])} 0 {LEADS[l]}\n")

for ecg_id in (1, 2, 3):
    write(f"records100/00000/{ecg_id:05d}_lr", ecg_id, 100)
write("records500/00000/00001_hr", 1, 500)
