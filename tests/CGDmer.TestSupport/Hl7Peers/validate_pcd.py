"""Parses an ER7 file of IHE PCD-01 (ORU^R01) and PCD-04 (ORU^R40) messages with python-hl7 (Debian's python3-hl7)
and checks them against the profiles' structure: MSH-9/12/21, segment order MSH PID PV1 OBR OBX+, sequential OBX-1,
CWE identifiers with a known coding system, the dotted OBX-4 containment, NM values that are numbers, and PCD-04's
facets (phase, state, inactivation state, priority and kind in facet 1's OBX-8; an optional sixth, a reference
pointer to the alarm's ECG strip).
Prints "ok <n> messages (<r01> ORU^R01, <r40> ORU^R40)" and exits 0, or prints each problem and exits 1.
Usage: validate_pcd.py FILE
"""
import re
import sys

import hl7
import hl7.client

PROFILES = {"ORU^R01^ORU_R01": "IHE_PCD_001", "ORU^R40^ORU_R40": "IHE_PCD_ACM_001"}
SYSTEMS = {"MDC", "LN", "SCT", "UCUM", "99CGDMER"}
DTM = re.compile(r"^\d{14}(\.\d{1,4})?[+-]\d{4}$")
SUB_ID = re.compile(r"^\d+(\.\d+){3,4}$")


def check(message, problems, where):
    def bad(text):
        problems.append(f"{where}: {text}")

    names = [str(s[0]) for s in message]
    if names[:4] != ["MSH", "PID", "PV1", "OBR"] or any(n != "OBX" for n in names[4:]) or len(names) < 5:
        bad(f"segments {names} are not MSH PID PV1 OBR OBX+")
        return None
    msh = message.segment("MSH")
    kind = str(msh[9])
    if kind not in PROFILES:
        bad(f"MSH-9 {kind}")
        return None
    if str(msh[12]) != "2.6":
        bad(f"MSH-12 {msh[12]}")
    if not str(msh[21]).startswith(PROFILES[kind] + "^"):
        bad(f"MSH-21 {msh[21]} for {kind}")
    if not DTM.match(str(msh[7])):
        bad(f"MSH-7 {msh[7]} is not a DTM")
    if not str(msh[10]):
        bad("MSH-10 empty")
    if str(message.segment("PID")[3]) == "":
        bad("PID-3 empty")
    obxs = message.segments("OBX")
    for i, obx in enumerate(obxs, start=1):
        if str(obx[1]) != str(i):
            bad(f"OBX-1 {obx[1]} where {i} was due")
        ident = obx[3]
        if len(ident[0]) < 3 or str(ident[0][2]) not in SYSTEMS or not str(ident[0][0]):
            bad(f"OBX-3 {ident} has no code ^ text ^ known system")
        if str(ident[0][2]) == "MDC" and not str(ident[0][0]).isdigit():
            bad(f"OBX-3 {ident}: an MDC code is numeric")
        if not SUB_ID.match(str(obx[4])):
            bad(f"OBX-4 {obx[4]} is not dotted containment")
        vtype = str(obx[2])
        value = str(obx[5])
        if vtype == "NM":
            try:
                float(value)
            except ValueError:
                bad(f"OBX-5 {value!r} is not NM")
        elif vtype == "CWE":
            if len(obx[5][0]) < 3 or str(obx[5][0][2]) not in SYSTEMS:
                bad(f"OBX-5 {value!r} is not CWE with a known system")
        elif vtype == "RP":
            if len(obx[5][0]) < 3 or not str(obx[5][0][0]):
                bad(f"OBX-5 {value!r} is not RP (pointer ^ application ^ type)")
        elif vtype == "" and str(obx[11]) != "X":
            bad(f"OBX {i}: a device header has OBX-11 X")
        if len(obx) > 14 and str(obx[14]) and not DTM.match(str(obx[14])):
            bad(f"OBX-14 {obx[14]} is not a DTM")
    if kind.startswith("ORU^R01"):
        if str(obxs[0][4]) != "1.0.0.0" or str(obxs[0][11]) != "X":
            bad("PCD-01 starts with the MDS header at 1.0.0.0")
    else:
        facets = {str(o[4]).rsplit(".", 1)[1]: o for o in obxs}
        if sorted(facets) not in (["1", "2", "3", "4", "5"], ["1", "2", "3", "4", "5", "6"]):
            bad(f"PCD-04 facets {sorted(facets)}")
            return kind
        flags = [str(r) for r in facets["1"][8]] if len(facets["1"]) > 8 else []
        if not any(f in ("PH", "PM", "PL") for f in flags) or not any(f in ("SP", "ST") for f in flags):
            bad(f"PCD-04 facet 1 OBX-8 {flags} lacks priority or kind")
        if str(facets["3"][5]) not in ("start", "continue", "end"):
            bad(f"event phase {facets['3'][5]}")
        if str(facets["4"][5]) not in ("active", "inactive"):
            bad(f"alarm state {facets['4'][5]}")
        if str(facets["5"][5]) != "enabled":
            bad(f"inactivation state {facets['5'][5]}")
        if "6" in facets and (str(facets["6"][2]) != "RP" or not str(facets["6"][5]).startswith("Observation/strip-")):
            bad(f"facet 6 {facets['6']} is not a reference pointer to the strip Observation")
    return kind


def main(path):
    with open(path, "rb") as f:
        texts = [m.decode("utf-8") for m in hl7.client.read_loose(f)]
    problems, counts = [], {}
    for n, text in enumerate(texts, start=1):
        try:
            message = hl7.parse(text)
        except Exception as e:  # noqa: BLE001 - any parse failure is a finding
            problems.append(f"message {n}: python-hl7 cannot parse it: {e}")
            continue
        kind = check(message, problems, f"message {n} ({message.segment('MSH')[10]})")
        if kind:
            counts[kind] = counts.get(kind, 0) + 1
    if not texts:
        problems.append("no messages")
    if problems:
        print("\n".join(problems[:50]))
        return 1
    print(f"ok {len(texts)} messages ({counts.get('ORU^R01^ORU_R01', 0)} ORU^R01, {counts.get('ORU^R40^ORU_R40', 0)} ORU^R40)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
