#!/usr/bin/python3
# Figures of docs/measurements/2026-12-08-seed-ensemble-rule.txt: baseline A (seed 1 = 0.7.0's run again) and candidate E
# (the seed-1 and seed-2 ensemble), validation only, and the verdict.
import json, sys
def sinus(s, p):
    pat = s['patients'][p]; return pat['findingWindows'].get('sinus_rhythm', 0) / pat['Windows']
def figures(run, replay):
    m = json.load(open(f'{run}/evaluation/validation-metrics.json'))
    lab = {(l['label'], l['source'], l['level']): l['auroc'] for l in m['labels']}
    b = m['bedside_af_alert']; s = json.load(open(f'{replay}/summary.json'))
    return {'C': m['challenge']['fittedCrossValidatedMeanF1'], 'CinC rec': lab[('atrial_fibrillation', 'cinc2017', 'recording')],
            'AFTDB': lab[('atrial_fibrillation', 'aftdb-vs-mitbih-non-af', 'window')], 'bed Se': b['aftdbSensitivity'],
            'bed FP': b['mitBihFalsePositiveRate'], 'sinus 119': sinus(s, 'mitbih-119'), 'sinus 220': sinus(s, 'mitbih-220'),
            'thr AF': b['threshold'], 'balanced F1': m['challenge']['meanF1']}
bounds = {'C': -0.010, 'CinC rec': -0.005, 'AFTDB': -0.008, 'bed Se': -0.05, 'sinus 119': -0.05, 'sinus 220': -0.05}
a = figures('runs/ens-refit/seed-1', 'runs/ens-refit/seed-1/replay-val')
e = figures('runs/ens-refit', 'runs/ens-refit/replay-val')
for name, f in [('A seed-1 (0.7.0)', a), ('E ensemble 1+2', e)]:
    print(f'#   {name:18s} ' + '  '.join(f'{k} {v:.4f}' for k, v in f.items()))
ok = True
for k, bound in bounds.items():
    change = e[k] - a[k]; good = change >= bound; ok &= good
    print(f'#     {k:10s} change {change:+.4f} (bound {bound:+.3f}) {"ok" if good else "FAILS"}')
change = e['bed FP'] - a['bed FP']; good = change <= 0.010; ok &= good
print(f'#     {"bed FP":10s} change {change:+.4f} (bound +0.010) {"ok" if good else "FAILS"}')
print('#     criteria 1-5: ' + ('all hold' if ok else 'NOT all hold') + ' (criterion 6, the cost, is measured apart)')
