#!/usr/bin/python3
"""AF alert agreement pooled over cgdmer-stream replay outputs (each a directory with summary.json), as the model card
reports it: AF alert duration sensitivity and positive predictivity, the share of non-AF time with the alert active,
false onsets and missed episodes, and how many windows coded sinus rhythm and AF.

    pool-replays.py DIR [DIR ...]
"""
import json
import sys

KEYS = ['AfAnnotatedSeconds', 'AfAlertedSecondsInAf', 'AfAlertSecondsOutsideAf', 'NonAfSeconds',
        'AfAlertOnsets', 'AfAlertOnsetsOutsideAf', 'AfEpisodesMissed']


def main(dirs):
    if not dirs:
        sys.exit(__doc__)
    total = dict.fromkeys(KEYS, 0.0)
    windows = sinus = af = 0
    for d in dirs:
        try:
            with open(f'{d}/summary.json') as f:
                summary = json.load(f)
        except (OSError, ValueError) as e:
            sys.exit(f'{d}: no readable replay summary ({e})')
        pooled = summary['pooledAgreement']
        for k in KEYS:
            total[k] += pooled[k] or 0
        for p in summary['patients'].values():
            windows += p['Windows']
            sinus += p['findingWindows'].get('sinus_rhythm', 0)
            af += p['findingWindows'].get('atrial_fibrillation', 0)
    def share(a, b):
        return f'{100 * a / b:.1f} %' if b else '—'
    alerted = total['AfAlertedSecondsInAf'] + total['AfAlertSecondsOutsideAf']
    non_af = total['NonAfSeconds']
    outside = f"{100 * total['AfAlertSecondsOutsideAf'] / non_af:.2f} %" if non_af else '—'
    per_hour = f"{total['AfAlertSecondsOutsideAf'] / 60 / (non_af / 3600):.2f}" if non_af else '—'
    print(f"{len(dirs)} replays: AF alert duration sensitivity {share(total['AfAlertedSecondsInAf'], total['AfAnnotatedSeconds'])}"
          f" of {total['AfAnnotatedSeconds'] / 60:.1f} min; positive predictivity {share(total['AfAlertedSecondsInAf'], alerted)};"
          f" active during {outside} of non-AF time ({per_hour} min/h);"
          f" {total['AfAlertOnsetsOutsideAf']:.0f} of {total['AfAlertOnsets']:.0f} onsets outside AF;"
          f" {total['AfEpisodesMissed']:.0f} AF episodes not alarmed;"
          f" sinus rhythm coded in {sinus} and AF in {af} of {windows} windows")


if __name__ == '__main__':
    main(sys.argv[1:])
