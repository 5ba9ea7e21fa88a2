#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Host-side checks of the runner's own logic: how script output becomes
# results (KTAP, exit status, skips, plans, hung scripts) and how hostctl
# values are typed. A mistake here would silently turn failures into passes.
cd "$(dirname "$0")/../../lib" || exit 1
exec python3 - <<'PY'
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


class Cfg:
    modules, timeout = ['m'], 10


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
