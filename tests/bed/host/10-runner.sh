#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Host-side checks of the runner's own logic: how script output becomes
# results (KTAP, exit status, skips, plans, hung scripts, scripts that never
# ran, reference checks) and how hostctl values are typed. A mistake here
# would silently turn failures into passes.
cd "$(dirname "$0")/../../lib" || exit 1
exec python3 - <<'PY'
import contextlib
import io
import threading
import time

from pvbed import runner, vm

checks = []


def check(name, cond):
    checks.append((name, bool(cond)))


def summary(results):
    return [('skip' if r.skip is not None else 'ok' if r.ok else 'fail', r.name)
            for r in results]


r = runner.script_results('g/s', ['ok 1 a', 'not ok 2 b', 'ok 3 c # SKIP no hw'], 1)
check('ktap-lines', summary(r) == [('ok', 'g/s/a'), ('fail', 'g/s/b'), ('skip', 'g/s/c')])
check('exit-0-no-ktap-passes', summary(runner.script_results('g/s', ['x'], 0)) == [('ok', 'g/s')])
r = runner.script_results('g/s', ['why', 'no device'], 77)
check('exit-77-skips-with-last-line', r[0].skip == 'no device')
check('exit-1-no-ktap-fails', summary(runner.script_results('g/s', [], 1)) == [('fail', 'g/s')])
r = runner.script_results('g/s', ['ok 1 a'], 2)
check('crash-after-passing-subtests-fails', ('fail', 'g/s') in summary(r))
r = runner.script_results('g/s', ['1..3', 'ok 1 a', 'ok 2 b'], 0)
check('short-plan-fails', ('fail', 'g/s/plan') in summary(r))
r = runner.script_results('g/s', ['KTAP version 1', '1..1', 'ok 1 a',
                                  'KTAP version 1', '1..1', 'ok 1 b'], 0)
check('several-documents', summary(r) == [('ok', 'g/s/a'), ('ok', 'g/s/b')])
r = runner.script_results('g/s', ['    ok 1 nested', 'ok 1 top'], 0)
check('nested-lines-ignored', summary(r) == [('ok', 'g/s/top')])


r = runner.script_results('g/s', ['not ok 1 a # SKIP no reason to pass'], 1)
check('not-ok-skip-is-a-failure', summary(r) == [('fail', 'g/s/a')])
rep = runner.Reporter()
with contextlib.redirect_stdout(io.StringIO()):
    rep.emit([runner.Result(False, 'g/x', skip='marked skip')])
check('reporter-counts-failed-skip-as-failed', rep.counts[''] == [0, 1, 0])

# Guest scripts: the plan declared in the source decides how many results.
P = runner.Plan
r = runner.script_results('g/s', ['1..3', 'ok 1 a'], 0, P(3))
check('planned-missing-not-ok', summary(r) == [('ok', 'g/s/a'), ('fail', 'g/s/missing-2'),
                                               ('fail', 'g/s/missing-3')])
r = runner.script_results('g/s', ['ok 1 a', 'ok 2 b'], 0, P(1))
check('more-than-planned-fails', ('fail', 'g/s/plan') in summary(r))
r = runner.script_results('g/s', [], 0, P(2))
check('planned-but-silent-fails', summary(r) == [('fail', 'g/s/missing-1'),
                                                 ('fail', 'g/s/missing-2')])
r = runner.script_results('g/s', ['no device'], 77, P(2))
check('planned-exit-77-skips-all', [x.skip for x in r] == ['no device'] * 2)
r = runner.script_results('g/s', ['ok 1 a'], 0, P(error='declares no plan'))
check('no-plan-fails', ('fail', 'g/s/plan') in summary(r))
r = runner.script_results('g/s', ['ok 1 a', 'ok 2 ref/b'], 0, P(2))
check('ref-subtest-hoisted', summary(r) == [('ok', 'g/s/a'), ('ok', 'ref/g/s/b')])
r = runner.script_results('g/s', ['ok 1 a'], 0, P(2, 'model'))
check('model-script-prefixed', summary(r) == [('ok', 'model/g/s/a'),
                                              ('fail', 'model/g/s/missing-2')])

import os
import tempfile
with tempfile.TemporaryDirectory() as d:
    def plan_of(text):
        with open(os.path.join(d, 'x.sh'), 'w') as f:
            f.write(text)
        p = runner.script_plan(os.path.join(d, 'x.sh'))
        return (p.count, p.cls, p.error is not None)
    check('plan-parsed', plan_of('. ktap.sh\nktap_plan 7\nktap_ok a\n') == (7, None, False))
    check('plan-class-parsed', plan_of('ktap_plan 2 ref\n') == (2, 'ref', False))
    check('plan-absent-is-error', plan_of('ktap_ok a\n')[2])
    check('plan-twice-is-error', plan_of('ktap_plan 1\nktap_plan 2\n')[2])
    check('plan-not-literal-is-error', plan_of('ktap_plan $N\n')[2])
    check('plan-unknown-class-is-error', plan_of('ktap_plan 3 mine\n')[2])


class Cfg:
    modules, timeout, prefix = ['m'], 10, ''


class Res:
    def __init__(self, events, done=True, timed_out=False):
        self.events, self.done, self.timed_out = events, done, timed_out
        self.exit_code, self.console, self.workdir = 0, 'console', '/nonexistent'


ev = [('MODOK', 'm'), ('SCRIPT', 'a.sh'), ('OUT', 'ok 1 x'), ('RC', '0'),
      ('TAINT', '12288 0'), ('DONE', '')]
check('healthy-vm', all(x.ok for x in runner.vm_results('g/k', Cfg, Res(ev))))
ev_taint = ev[:-2] + [('TAINT', '512 512'), ('DONE', '')]
check('bad-taint-fails', not runner.vm_results('g/k', Cfg, Res(ev_taint))[-1].ok)
ev_hung = [('MODOK', 'm'), ('SCRIPT', 'a.sh'), ('OUT', 'ok 1 x')]
r = summary(runner.vm_results('g/k', Cfg, Res(ev_hung, done=False, timed_out=True)))
check('hung-script-and-vm-fail', ('fail', 'g/k/a.sh') in r and ('fail', 'g/k/vm') in r
      and ('ok', 'g/k/a.sh/x') in r)
ev_mod = [('MODFAIL', 'm nope'), ('SKIPALL', ''), ('TAINT', '0 0'), ('DONE', '')]
check('modprobe-failure-fails', ('fail', 'g/k/modprobe')
      in summary(runner.vm_results('g/k', Cfg, Res(ev_mod))))
check('no-verdict-fails', not runner.vm_results('g/k', Cfg, Res([], done=False))[-1].ok)

# Scripts the guest should have run, with their plans.
scripts = [('a.sh', P(1)), ('b.sh', P(2))]
r = summary(runner.vm_results('g/k', Cfg, Res(ev), scripts))
check('never-started-script-not-ok', ('ok', 'g/k/a.sh/x') in r
      and ('fail', 'g/k/b.sh/missing-1') in r and ('fail', 'g/k/b.sh/missing-2') in r)
r = summary(runner.vm_results('g/k', Cfg, Res(ev_mod), scripts))
check('skipall-counts-every-subtest', [n for s, n in r if s == 'fail'] == [
    'g/k/modprobe', 'g/k/a.sh/missing-1', 'g/k/b.sh/missing-1', 'g/k/b.sh/missing-2'])
r = summary(runner.vm_results('g/k', Cfg, Res(ev_hung, done=False, timed_out=True), scripts))
check('hung-script-rest-not-ok', ('fail', 'g/k/b.sh/missing-2') in r
      and ('fail', 'g/k/a.sh') in r)
full = ev[:-2] + [('SCRIPT', 'b.sh'), ('OUT', 'ok 1 y'), ('OUT', 'ok 2 z'), ('RC', '0')] + ev[-2:]
check('all-planned-pass', all(x.ok for x in runner.vm_results('g/k', Cfg, Res(full), scripts)))


class RefCfg(Cfg):
    prefix = 'ref'


r = summary(runner.vm_results('g/k', RefCfg, Res(full), scripts))
check('ref-vm-prefixed', all(n.startswith('ref/g/k/') for _, n in r))

# Where a VM's time went: @@T stamps around each script; one before the first
# script opens nothing, a garbled one is ignored.
ev_t = [('T', '3.5'), ('SCRIPT', 'a.sh'), ('OUT', 'ok 1 x'), ('RC', '0'), ('T', '10.0'),
        ('SCRIPT', 'b.sh'), ('T', 'x'), ('RC', '0'), ('T', '12.5'), ('DONE', '')]
check('script-times', runner.script_times(ev_t) == [('a.sh', 6.5), ('b.sh', 2.5)])
check('script-times-none-without-stamps', runner.script_times(ev) == [])

# The VM scheduler: every VM runs, in order, the cores of those running at
# once stay within the budget, at most max_jobs of them, and one that needs
# more than the budget still runs (alone).
active, peak, nvms = [0.0], [0.0], [0]
lock = threading.Lock()


started = []


def fake_vm(v):
    with lock:
        started.append(v[0])
        active[0] += v[1]
        nvms[0] += 1
        if nvms[0] > 1:  # what runs beside others must fit
            peak[0] = max(peak[0], active[0])
    time.sleep(0.05)
    with lock:
        active[0] -= v[1]
        nvms[0] -= 1
    return v[0]


order = [('a', 1.0), ('b', 0.5), ('c', 0.5), ('d', 0.3), ('e', 2.5), ('f', 0.2)]
futs = runner.schedule(order, lambda v: v[1], 4, 2.0, fake_vm)
done = [futs[k].result(timeout=30) for k, _ in order]
check('schedule-runs-every-vm', done == [k for k, _ in order])
check('schedule-starts-in-order', started == [k for k, _ in order])
check('schedule-within-cores', 0 < peak[0] <= 2.0 + 1e-9)
order = [('a', 0.1), ('b', 0.1), ('c', 0.1), ('d', 0.1)]
active[0] = peak[0] = 0.0
futs = runner.schedule(order, lambda v: v[1], 2, 2.0, fake_vm)
[futs[k].result(timeout=30) for k, _ in order]
check('schedule-at-most-jobs', peak[0] <= 0.2 + 1e-9)

check('hostctl-number', vm._json_scalar('42') == 42)
check('hostctl-bool', vm._json_scalar('true') is True)
check('hostctl-string', vm._json_scalar('ping') == 'ping')
check('hostctl-json-object-stays-string', vm._json_scalar('{"a":1}') == '{"a":1}')
check('hostctl-id-path', vm._qom_path('bdoor') == '/machine/peripheral/bdoor'
      and vm._qom_path('/machine') == '/machine')

print('KTAP version 1')
print('1..%d' % len(checks))
for i, (name, ok) in enumerate(checks, 1):
    print('%s %d %s' % ('ok' if ok else 'not ok', i, name))
raise SystemExit(0 if all(ok for _, ok in checks) else 1)
PY
