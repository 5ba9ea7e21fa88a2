# SPDX-License-Identifier: GPL-2.0
"""The test runner behind tests/run and tests/bench: finds the groups,
runs host tests, boots one VM per guest folder and kernel line, and turns
everything into one renumbered KTAP stream on stdout (progress on stderr)."""

import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time

from . import assets, vm
from .common import CACHE, ROOT, BedError, log

# A benchmark's measurement: `BENCH <suite> <case> <value> <unit>` or `RATIO <suite> <what> <value>`.
BENCH_LINE = re.compile(r'^(BENCH|RATIO) (\S+) (\S+) (.+)$')
KTAP_LINE = re.compile(r'^(ok|not ok)\s+\d+\s*(?:-\s*)?([^#]*?)\s*(?:#\s*(.*))?$')
PLAN_LINE = re.compile(r'^1\.\.(\d+)\s*$')
NOT_GROUPS = {'lib', 'tools'}
# Former group and suite names (T=, B=), before each device got one name
# across guest module, host model and tests.
ALIASES = {'balloon': 'vmmemctl', 'time': 'timekeeping', 'hgfs': 'vmhgfs', 'host': 'models'}
TAINT_ALLOWED = 4096 | 8192
# A script's exit status for "skipped as a whole": kselftest's (4), or 77.
SKIP_RCS = (4, 77)
# How kselftest's ktap_skip_all says why: `1..0 # SKIP <reason>`.
SKIP_ALL = re.compile(r'^1\.\.0\s*#\s*SKIP\s*')
HOST_TIMEOUT = int(os.environ.get('PVBED_HOST_TIMEOUT', '1800'))
# The nice value of host tests that run beside VMs.
HOST_NICE = 10


class Result:
    def __init__(self, ok, name, skip=None, diag=()):
        self.ok, self.name, self.skip, self.diag = ok, name, skip, list(diag)


# A guest script's plan, read from its source before the VM boots, so that
# subtests it never reaches (it stopped early, or never ran) still count:
# `ktap_plan N` or `ktap_plan N ref` (every subtest is a reference check).
PLAN_DECL = re.compile(r'^[ \t]*ktap_plan[ \t]+(\d+)(?:[ \t]+(\w+))?[ \t]*$', re.M)
# Name prefixes of checks that test something other than our drivers: the
# kernel, QEMU or an in-tree reference driver (ref/), our host model (model/).
# A subtest named `ref/x` is reported as `ref/<script prefix>/x`.
CLASSES = ('ref', 'model')


class Plan:
    """What a guest script declares: its number of subtests and their class."""

    def __init__(self, count=None, cls=None, error=None):
        self.count, self.cls, self.error = count, cls, error


def script_plan(path):
    try:
        with open(path, errors='replace') as f:
            decl = PLAN_DECL.findall(f.read())
    except OSError as e:
        return Plan(error='cannot read the script: %s' % e)
    if len(decl) != 1:
        return Plan(error='declares %s plan: one `ktap_plan N` line wanted'
                    % ('no' if not decl else 'more than one'))
    count, cls = int(decl[0][0]), decl[0][1] or None
    if count < 1 or (cls and cls not in CLASSES):
        return Plan(error='bad plan `ktap_plan %s %s`' % decl[0])
    return Plan(count, cls)


def classify(name, cls=None):
    """`ref/…` or `model/…` in front of the whole name, so that a driver's
    counts hold only its own checks."""
    for c in CLASSES:
        mark = '/%s/' % c
        if mark in name:
            return '%s/%s' % (c, name.replace(mark, '/', 1))
    return '%s/%s' % (cls, name) if cls else name


def script_results(prefix, lines, rc, plan=None):
    """KTAP lines of one script, or its exit status if it printed none.
    With a plan (guest scripts), every planned subtest is a result: those the
    script never reported are `not ok`; more than planned is one failure."""
    out, plans, docs, notes = [], [], 0, []
    for ln in lines:
        # One stream may hold several KTAP documents (e.g. one per test binary).
        if ln.startswith(('KTAP version', 'TAP version')):
            docs += 1
            continue
        if ln.startswith('#'):
            notes.append(ln.lstrip('# '))
            continue
        m = KTAP_LINE.match(ln)
        if m:
            status, name, directive = m.groups()
            name = re.sub(r'\s+', '-', name.strip()) or 'test%d' % (len(out) + 1)
            skip = None
            if directive and directive.upper().startswith('SKIP'):
                skip = directive[4:].strip() or 'skipped'
            ok = status == 'ok'
            if skip is not None and not ok:
                # `not ok … # SKIP`: the check failed; a skip must not hide it.
                notes.append('failed, though marked SKIP (%s)' % skip)
                skip = None
            # Diagnostics a script printed before a failed subtest belong to it.
            out.append(Result(ok, prefix + '/' + name, skip,
                              diag=notes if not ok else ()))
            notes = []
            continue
        m = PLAN_LINE.match(ln)
        if m:
            plans.append(int(m.group(1)))
    text = [ln for ln in lines if ln.strip()]
    if plan is not None:
        return _planned(prefix, out, text, rc, plan)
    if not out:
        if rc == 0:
            return [Result(True, prefix)]
        if rc in SKIP_RCS:
            return [Result(True, prefix, skip=skip_reason(text))]
        return [Result(False, prefix, diag=['exit status %s' % rc] + text[-10:])]
    if rc not in (0,) + SKIP_RCS and all(r.ok for r in out):
        out.append(Result(False, prefix, diag=['exit status %s after passing subtests' % rc]))
    if plans and len(plans) == max(docs, 1) and sum(plans) != len(out):
        out.append(Result(False, prefix + '/plan',
                          diag=['planned %d tests, saw %d' % (sum(plans), len(out))]))
    return out


def skip_reason(text):
    """Why a script skipped as a whole: its last line."""
    return SKIP_ALL.sub('', text[-1]).strip() or 'skipped' if text else 'skipped'


def missing(prefix, plan, seen, why):
    """`not ok` for each planned subtest from number seen+1 on."""
    return [Result(False, classify('%s/missing-%d' % (prefix, i), plan.cls),
                   diag=[why] if i == seen + 1 else ())
            for i in range(seen + 1, plan.count + 1)]


def _planned(prefix, out, text, rc, plan):
    if plan.error:
        out = [Result(r.ok, classify(r.name), r.skip, r.diag) for r in out]
        return out + [Result(False, prefix + '/plan', diag=[plan.error])]
    out = [Result(r.ok, classify(r.name, plan.cls), r.skip, r.diag) for r in out]
    if not out and rc in SKIP_RCS:
        # The whole script skipped: a prerequisite is absent; every subtest says why.
        why = skip_reason(text)
        return [Result(True, classify('%s/skipped-%d' % (prefix, i), plan.cls), skip=why)
                for i in range(1, plan.count + 1)]
    if len(out) < plan.count:
        gone = missing(prefix, plan, len(out), 'planned %d subtests, reported %d (exit status %s)'
                       % (plan.count, len(out), rc))
        gone[0].diag += text[-10:]
        out += gone
    elif len(out) > plan.count:
        out.append(Result(False, prefix + '/plan', diag=[
            'planned %d subtests, reported %d' % (plan.count, len(out))]))
    if rc not in (0,) + SKIP_RCS and all(r.ok for r in out):
        out.append(Result(False, classify(prefix, plan.cls),
                          diag=['exit status %s after passing subtests' % rc]))
    return out


# ------------------------------------------------------------ discovery --

class Group:
    def __init__(self, name):
        self.name = name
        self.host = []   # executables
        self.guest = []  # (dirname, path)


def discover(wanted=None, kind='guest'):
    tests = os.path.join(ROOT, 'tests')
    groups = []
    for g in sorted(os.listdir(tests)):
        gp = os.path.join(tests, g)
        if g in NOT_GROUPS or not os.path.isdir(gp):
            continue
        grp = Group(g)
        if kind == 'guest':
            if g == 'build' and os.path.exists(os.path.join(gp, 'run.sh')):
                grp.host.append(os.path.join(gp, 'run.sh'))
            hd = os.path.join(gp, 'host')
            if os.path.isdir(hd):
                grp.host += [os.path.join(hd, f) for f in sorted(os.listdir(hd))
                             if f.endswith('.sh')]
            for d in sorted(os.listdir(gp)):
                p = os.path.join(gp, d)
                if os.path.isdir(p) and (d == 'guest' or d.startswith('guest-')):
                    grp.guest.append((d, p))
        else:
            # bench/, and bench-<name>/ for a suite's other VM configurations.
            for d in sorted(os.listdir(gp)):
                p = os.path.join(gp, d)
                if os.path.isdir(p) and (d == 'bench' or d.startswith('bench-')):
                    grp.guest.append((d, p))
        if grp.host or grp.guest:
            groups.append(grp)
    if wanted:
        wanted = [w[:len(w) - len(w.lstrip('-'))] + ALIASES.get(w.lstrip('-'), w.lstrip('-'))
                  for w in wanted]
        # `group/folder` runs that one VM folder of a group, not its host tests.
        folders = {}
        if [w for w in wanted if '/' in w and w.startswith('-')]:
            raise BedError('a folder cannot be left out (-group/folder); leave out its group')
        for w in [w for w in wanted if '/' in w]:
            g, _, d = w.partition('/')
            g = ALIASES.get(g, g)
            grp = next((x for x in groups if x.name == g), None)
            if grp is None or d not in [x for x, _ in grp.guest]:
                raise BedError('no such folder: %s (have: %s)' % (w, ', '.join(
                    '%s/%s' % (x.name, y) for x in groups for y, _ in x.guest)))
            folders.setdefault(g, set()).add(d)
        wanted = [w for w in wanted if '/' not in w]
        # `-name` leaves a group out (e.g. CI runs the build group elsewhere).
        names = {g.name for g in groups}
        unknown = [w for w in wanted if w.lstrip('-') not in names]
        if unknown:
            raise BedError('no such %s: %s (have: %s)' % (
                'group' if kind == 'guest' else 'suite', ', '.join(unknown),
                ', '.join(sorted(names))))
        take = {w for w in wanted if not w.startswith('-')}
        if not take and not folders:
            take = set(names)
        take -= {w[1:] for w in wanted if w.startswith('-')}
        for g in groups:
            if g.name in folders and g.name not in take:
                g.host = []
                g.guest = [(d, p) for d, p in g.guest if d in folders[g.name]]
                take.add(g.name)
        groups = [g for g in groups if g.name in take]
    order = {'build': 0, 'models': 1}
    return sorted(groups, key=lambda g: (order.get(g.name, 2), g.name))


# ----------------------------------------------------------- host tests --

def run_host_test(group, path, nice=0):
    rel = os.path.relpath(path, os.path.join(ROOT, 'tests', group))
    prefix = '%s/%s' % (group, rel)
    log('%s: running' % prefix)
    t0 = time.monotonic()
    cmd = [path] if os.access(path, os.X_OK) else ['bash', path]
    if nice:
        cmd = ['nice', '-n', str(nice)] + cmd
    env = dict(os.environ, PVTOOLS_ROOT=ROOT, PVTOOLS_CACHE=CACHE)
    try:
        r = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=HOST_TIMEOUT)
        lines = r.stdout.decode(errors='replace').splitlines()
        res = script_results(prefix, lines, r.returncode)
        err = r.stderr.decode(errors='replace').splitlines()
    except subprocess.TimeoutExpired as e:
        res = [Result(False, prefix, diag=['timed out after %d s' % HOST_TIMEOUT])]
        err = (e.stderr or b'').decode(errors='replace').splitlines()
    if not all(x.ok for x in res):
        res[-1].diag += ['stderr: ' + ln for ln in err[-20:]]
    log('%s: %.1f s' % (prefix, time.monotonic() - t0))
    return res


# ------------------------------------------------------------- guest VMs --

def guest_scripts(path, required=True):
    """The scripts the guest's init runs, in its order, with their plans
    (benchmarks need not declare one: None)."""
    out = []
    for f in sorted(os.listdir(path)):
        if f.endswith('.sh') and os.path.isfile(os.path.join(path, f)):
            plan = script_plan(os.path.join(path, f))
            out.append((f, None if plan.error and not required else plan))
    return out


def vm_results(prefix, cfg, res, scripts=None):
    """Turns a VM's verdict events into results; the VM's own health is one more.
    SCRIPTS (name, Plan) are the scripts the guest should run: with them,
    every planned subtest is a result, whether or not its script ran."""
    out, lines, script, modfail, modok, skipall = [], [], None, [], [], []
    plans = dict(scripts or ())
    started = set()

    def results(name, lines, rc):
        plan = plans.get(name) if scripts is not None else None
        if scripts is not None and name not in plans:
            plan = Plan(error='the guest ran a script the runner does not know')
        return script_results('%s/%s' % (prefix, name), lines, rc, plan)

    for kind, rest in res.events:
        if kind == 'SCRIPT':
            script, lines = rest, []
            started.add(rest)
        elif kind == 'OUT':
            lines.append(rest)
        elif kind == 'RC' and script:
            rc = int(rest) if rest.strip().lstrip('-').isdigit() else -1
            if rc == 137:
                lines.append('killed by the guest timeout (vm.conf TIMEOUT)')
            out += results(script, lines, rc)
            script = None
        elif kind == 'MODOK':
            modok.append(rest)
        elif kind == 'MODFAIL':
            modfail.append(rest)
        elif kind == 'SKIPALL':
            skipall.append(rest.strip() or 'the guest ran no script')
    if script:
        # Keep what the script reported before the VM died or hung.
        out += [r for r in results(script, lines + ['the VM died or hung in this script'], -1)
                if r.name != '%s/%s' % (prefix, script)]
        out.append(Result(False, '%s/%s' % (prefix, script),
                          diag=['no result: the VM died or hung in this script'] + lines[-10:]))
    for name, plan in scripts or ():
        if name in started:
            continue
        if skipall:
            why = 'not run: %s' % '; '.join(skipall)
        elif not res.done:
            why = 'not run: the VM died or hung before this script'
        else:
            why = 'not run: the guest never started this script'
        if plan is None or plan.error:
            out.append(Result(False, '%s/%s' % (prefix, name),
                              diag=[why] + ([plan.error] if plan else [])))
        else:
            out += missing('%s/%s' % (prefix, name), plan, 0, why)
    if cfg.modules:
        out.insert(0, Result(not modfail and len(modok) == len(cfg.modules),
                             '%s/modprobe' % prefix,
                             diag=['modprobe failed: ' + m for m in modfail]))
    health, why = True, []
    taint = [r for k, r in res.events if k == 'TAINT']
    if res.timed_out:
        limit = getattr(res, 'timeout', None) or cfg.timeout
        health, why = False, ['VM killed after the %d s timeout' % limit]
    elif not res.done:
        health, why = False, ['no verdict: guest panicked or QEMU failed (exit %s)'
                              % res.exit_code]
    elif not taint:
        health, why = False, ['no taint report']
    else:
        value = int(taint[-1].split()[0])
        if value & ~TAINT_ALLOWED:
            health, why = False, ['kernel tainted %d (allowed: only 4096|8192)' % value]
    leak = kmemleak_result(prefix, res.events)
    if leak:
        out.append(leak)
    bed_errors = [r for k, r in res.events if k == 'BEDERROR']
    if bed_errors:
        health, why = False, why + ['guest: ' + e for e in bed_errors]
    out.append(Result(health, '%s/vm' % prefix, diag=why))
    if not all(r.ok for r in out):
        tail = res.console.splitlines()[-40:]
        out[-1].diag += ['console (%s/console.log), last 40 lines:' % res.workdir] + tail
    else:
        shutil.rmtree(res.workdir, ignore_errors=True)
    # A whole VM of reference checks (vm.conf PREFIX=ref, e.g. an in-tree driver).
    cls = getattr(cfg, 'prefix', '')
    if cls and cls not in CLASSES:
        out.append(Result(False, '%s/vm.conf' % prefix, diag=[
            'PREFIX=%s: only %s' % (cls, ', '.join(CLASSES))]))
    elif cls:
        for r in out:
            if not r.name.startswith(tuple(c + '/' for c in CLASSES)):
                r.name = '%s/%s' % (cls, r.name)
    return out


# Kernel module space on x86-64 (MODULES_VADDR up to the fixmap).
MODULE_SPACE = (0xffffffffa0000000, 0xffffffffff000000)
# A backtrace frame: `[<addr>] sym+off/len [mod]` (older kernels) or
# `sym+off/len [mod]`; a frame no symbol covers (a removed module) is `0x<addr>`.
KML_FRAME = re.compile(r'^\s+(?:\[<([0-9a-f]+)>\]\s+)?(\S+)(?:\s+\[(\w+)\])?\s*$')


def kmemleak_result(prefix, events):
    """The debug kernel's leak check after our modules were removed
    (initramfs/init kmemleak_check): a leak is ours when a frame of its
    allocation names one of our modules, or is a bare address (a module
    that is gone) inside the text one of ours had; a bare address of no
    module of ours still fails, as a leak of a module the tests removed.
    None when the kernel has no kmemleak."""
    ranges, lines, done, stuck, errors = {}, [], None, [], []
    for kind, rest in events:
        if kind == 'KMLRANGE':
            w = rest.split()
            if len(w) == 3:
                ranges[w[0]] = (int(w[1], 16), int(w[2], 16) + 0x2000)
        elif kind == 'KMEMLEAK':
            lines.append(rest)
        elif kind == 'KMLERROR':
            errors.append(rest)
        elif kind == 'KMLSTUCK':
            stuck = rest.split()
        elif kind == 'KMLDONE':
            done = rest.split()
    if done is None:
        return None
    leaks, cur = [], None
    for ln in lines:
        if ln.startswith('unreferenced object'):
            cur = [ln]
            leaks.append(cur)
        elif cur is not None:
            cur.append(ln)
    ours, diag = [], []
    for leak in leaks:
        who = set()
        frames = False
        for ln in leak:
            if ln.strip().startswith('backtrace'):
                frames = True
                continue
            m = KML_FRAME.match(ln) if frames else None
            if not m:
                continue
            sym, mod = m.group(2), m.group(3)
            if mod:
                if mod in ranges:
                    who.add(mod)
                continue
            try:
                addr = int(sym, 16) if sym.startswith('0x') else int(m.group(1) or '0', 16)
            except ValueError:
                continue
            if (sym.startswith('0x') or not m.group(1)) and MODULE_SPACE[0] <= addr < MODULE_SPACE[1]:
                hit = [n for n, (lo, hi) in ranges.items() if lo <= addr < hi]
                who.update(hit or ['a removed module'])
        if who:
            ours.append(leak)
            diag += ['kmemleak (%s):' % ', '.join(sorted(who))] + leak
    try:
        secs = float(done[1]) - float(done[0])
    except (IndexError, ValueError):
        secs = 0.0
    if stuck:
        diag.insert(0, 'could not remove %s: its leaks were not looked for' % ' '.join(stuck))
    diag[:0] = ['kmemleak: ' + e for e in errors]
    others = len(leaks) - len(ours)
    note = ('kmemleak: %d leak(s) ours, %d elsewhere in the kernel (not ours, not judged); '
            'scans %.1f s' % (len(ours), others, secs))
    return Result(not ours and not stuck and not errors, '%s/kmemleak' % prefix,
                  diag=[note] + diag[:400])


def prune_runs(max_age=2 * 86400):
    """Work dirs of failed VMs are kept for a while, not forever."""
    runs = os.path.join(CACHE, 'runs')
    os.makedirs(runs, exist_ok=True)
    now = time.time()
    for d in os.listdir(runs):
        p = os.path.join(runs, d)
        if d.startswith('vm-') and now - os.path.getmtime(p) > max_age:
            shutil.rmtree(p, ignore_errors=True)


def vm_prefix(prep, group, dirname):
    return '%s/%s' % (group, prep.kernel.line) + ('' if dirname in ('guest', 'bench') else '/' + dirname)


# How long each VM took last time, so the longest start first and two workers
# finish together instead of one long VM running alone at the end.
def durations_file(kind):
    return os.path.join(CACHE, 'runs', 'durations-%s.json' % kind)


def load_durations(kind):
    try:
        with open(durations_file(kind)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def save_durations(kind, new):
    merged = dict(load_durations(kind), **new)
    path = durations_file(kind)
    tmp = '%s.%d' % (path, os.getpid())
    with open(tmp, 'w') as f:
        json.dump(merged, f, indent=0, sort_keys=True)
    os.replace(tmp, path)


# How many cores each VM kept busy last time (QEMU's CPU time over its wall
# time): a balloon guest waiting on the host's 1 s rounds uses a fifth of
# one, a vmxnet guest streaming TCP half of one, a short rpc guest 0.8.
def load_cores(kind):
    return load_durations('cores-' + kind)


def save_cores(kind, new):
    save_durations('cores-' + kind, new)


def schedule(order, cores_of, max_jobs, budget, run):
    """Starts run(v) for each v of order (longest first), in that order,
    each in its own thread, as many at once as fit: at most max_jobs VMs,
    whose cores (cores_of(v), what each used last time) add up to at most
    budget; whenever nothing runs, the next one starts whatever it needs.
    Returns {v[0]: Future}, each done when its VM is."""
    futs = {v[0]: concurrent.futures.Future() for v in order}
    cond = threading.Condition()
    running = {}

    def worker(v):
        try:
            futs[v[0]].set_result(run(v))
        except BaseException as e:  # the future carries it to the reporter
            futs[v[0]].set_exception(e)
        with cond:
            del running[v[0]]
            cond.notify_all()

    def loop():
        pending = list(order)
        with cond:
            while pending:
                used = sum(running.values())
                # In order, never around the next one: a VM that needs more
                # room than is free waits for it, and short ones queue
                # behind it rather than starve it until the end.
                nxt = pending[0]
                if running and (len(running) >= max_jobs or
                                used + cores_of(nxt) > budget + 1e-9):
                    cond.wait()
                    continue
                pending.pop(0)
                running[nxt[0]] = cores_of(nxt)
                threading.Thread(target=worker, args=(nxt,), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()
    return futs


def script_times(events):
    """(script, seconds of guest uptime) from the guest's @@T stamps."""
    times, script, t0 = [], None, None
    for kind, rest in events:
        if kind == 'T':
            try:
                t = float(rest)
            except ValueError:
                continue
            if script is not None and t0 is not None:
                times.append((script, t - t0))
            script, t0 = None, t
        elif kind == 'SCRIPT':
            script = rest
    return times


def log_script_times(prefix, res):
    """Logs where a VM's time went: boot, then its scripts, slowest first."""
    times = sorted(script_times(res.events), key=lambda x: -x[1])
    if times:
        log('%s: /init at %s s; scripts %s' % (prefix, res.boot_seconds, ', '.join(
            '%s %.1f s' % st for st in times)))


def run_vm(qemu, prep, group, dirname, path):
    prefix = vm_prefix(prep, group, dirname)
    try:
        return _run_vm(qemu, prep, group, dirname, path, prefix)
    except Exception as e:  # one broken VM must not end the run
        log('%s: %r' % (prefix, e))
        return [Result(False, '%s/vm' % prefix, diag=['runner error: %r' % e])], None


def _run_vm(qemu, prep, group, dirname, path, prefix):
    k = prep.kernel
    cfg = vm.VMConfig().load(os.path.join(path, 'vm.conf'))
    # LIKE=<group>/<folder>: that folder's scripts, on its machine.
    run_dir = cfg.like or '%s/%s' % (group, dirname)
    res = vm.boot(qemu, prep, cfg, {'mode': 'test', 'dir': run_dir,
                                    'abi': k.abi, 'platform': cfg.platform},
                  prefix)
    log_script_times(prefix, res)
    scripts_dir = os.path.join(ROOT, 'tests', cfg.like) if cfg.like else path
    bench = dirname == 'bench' or dirname.startswith('bench-')
    return vm_results(prefix, cfg, res, guest_scripts(scripts_dir, not bench)), res


# ----------------------------------------------------------------- main --

class Reporter:
    def __init__(self):
        self.n = 0
        # passed, failed, skipped per class ('' = our drivers and the bed)
        self.counts = {}

    def emit(self, results):
        for r in results:
            self.n += 1
            cls = r.name.split('/', 1)[0] if r.name.split('/', 1)[0] in CLASSES else ''
            c = self.counts.setdefault(cls, [0, 0, 0])
            if r.skip is not None and r.ok:
                c[2] += 1
                print('ok %d %s # SKIP %s' % (self.n, r.name, r.skip))
            elif r.ok:
                c[0] += 1
                print('ok %d %s' % (self.n, r.name))
            else:
                c[1] += 1
                for d in r.diag:
                    print('# ' + d)
                print('not ok %d %s' % (self.n, r.name))
        sys.stdout.flush()

    def finish(self):
        print('1..%d' % self.n)
        what = {'': 'ours (drivers, tools, bed)', 'ref': 'ref/ (kernel, QEMU, in-tree drivers)',
                'model': 'model/ (our host model alone)'}
        if set(self.counts) - {''}:
            for cls in ('',) + CLASSES:
                if cls in self.counts:
                    print('# %s: %d passed, %d failed, %d skipped' % ((what[cls],) + tuple(self.counts[cls])))
        total = [sum(c[i] for c in self.counts.values()) for i in range(3)]
        print('%d passed, %d failed, %d skipped' % tuple(total))
        sys.stdout.flush()
        return 0 if total[1] == 0 else 1


def prepare_all(kernels, rep):
    """Prepares the kernels in parallel; failures become results."""
    preps = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(kernels)) as ex:
        futs = [(k, ex.submit(assets.prepare, k)) for k in kernels]
        for k, fut in futs:
            try:
                p = fut.result()
            except BedError as e:
                rep.emit([Result(False, 'bed/%s/prepare' % k.line, diag=str(e).splitlines())])
                continue
            if p.modules_error:
                rep.emit([Result(False, 'bed/%s/modules' % k.line, diag=[p.modules_error])])
            preps.append(p)
    return preps


def print_output(text, kernel_line, kind):
    """A guest's output line: measurements stay bare, with the kernel line
    in the case name so both kernels' numbers can be told apart; the rest is
    a KTAP diagnostic."""
    m = BENCH_LINE.match(text)
    if kind == 'bench' and m:
        print('%s %s %s/%s %s' % (m.group(1), m.group(2), kernel_line, m.group(3), m.group(4)))
    else:
        print('# ' + text)


def main(argv, kind='guest'):
    import argparse
    ap = argparse.ArgumentParser(prog='tests/run' if kind == 'guest' else 'tests/bench')
    if kind == 'guest':
        ap.add_argument('--group', action='append', help='group(s) to run (repeatable, comma list)')
    else:
        ap.add_argument('--suite', action='append', help='benchmark suite(s)')
    ap.add_argument('--kernels', help='kernel lines, e.g. 6.1,6.12 (default: all pinned)')
    ap.add_argument('-v', '--verbose', action='store_true',
                    help='show guest scripts\' output as KTAP diagnostics')
    if kind == 'guest':
        ap.add_argument('--jobs', type=int,
                        default=int(os.environ.get('PVBED_JOBS', 2 * (os.cpu_count() or 1))),
                        help='at most this many VMs at once (default: twice the cores); '
                        'they start while the cores they used last time fit (PVBED_CORES)')
    args = ap.parse_args(argv)
    if kind == 'bench':
        # A benchmark owns the machine: two VMs at once share its cores and
        # measure each other (vmxnet's veth case fell from 4822 to 360 Mbit/s).
        args.jobs = 1
    sel = args.group if kind == 'guest' else args.suite
    wanted = [w for s in sel for w in s.split(',') if w] if sel else None
    t0 = time.monotonic()
    print('TAP version 13')
    if kind == 'bench':
        print('# bench: one VM at a time (never two benchmark VMs sharing the cores)')
    rep = Reporter()
    try:
        groups = discover(wanted, kind)
        kernels = assets.select_kernels(args.kernels)
    except BedError as e:
        rep.emit([Result(False, 'bed/select', diag=[str(e)])])
        return rep.finish()
    # Host tests (the build group) select kernel lines from the environment.
    if args.kernels:
        os.environ['KERNELS'] = args.kernels

    jobs = [(g.name, d, p) for g in groups for d, p in g.guest]
    host_jobs = [(g.name, h) for g in groups for h in g.host]
    # Host tests (builds, DKMS, model unit tests) run one after the other, and
    # beside the VMs at a lower priority: they fill the CPU time the guests
    # leave idle (sleeps, waits on the host) instead of adding to the total,
    # and cannot slow a guest's timing. Benchmarks keep the machine to themselves.
    host_done = []
    if jobs and kind == 'guest' and host_jobs:
        host_ex = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        host_done = [host_ex.submit(run_host_test, g, h, HOST_NICE) for g, h in host_jobs]
        host_ex.shutdown(wait=False)
    else:
        for g, h in host_jobs:
            rep.emit(run_host_test(g, h))

    if jobs:
        prune_runs()
        try:
            qemu = assets.qemu_binary()
        except BedError as e:
            for f in host_done:
                rep.emit(f.result())
            rep.emit([Result(False, 'bed/qemu', diag=str(e).splitlines())])
            return rep.finish()
        # Each folder on the kernel lines its vm.conf KERNEL_LINES names, or
        # on every line kernels.conf marks `all`; only those lines are prepared.
        cfgs = {path: vm.VMConfig().load(os.path.join(path, 'vm.conf')) for _, _, path in jobs}
        used = [k for k in kernels if any(c.runs_on(k) for c in cfgs.values())]
        for k in kernels:
            if k not in used:
                log('kernel line %s: no selected folder runs on it (vm.conf KERNEL_LINES)' % k.line)
        t1 = time.monotonic()
        preps = prepare_all(used, rep) if used else []
        log('prepared %d kernel(s) in %.1f s' % (len(preps), time.monotonic() - t1))
        vms = [(vm_prefix(p, g, d), p, g, d, path) for g, d, path in jobs for p in preps
               if cfgs[path].runs_on(p.kernel)]
        # Unknown VMs count as long: a new test should not be the last to start.
        last = load_durations(kind)
        order = sorted(vms, key=lambda v: -last.get(v[0], 1e6))
        # VMs start while the cores they used last time fit in the machine's
        # (an unknown one counts as one core), at most --jobs at once.
        budget = float(os.environ.get('PVBED_CORES', os.cpu_count() or 1))
        last_cores = load_cores(kind)

        def cores_of(v):
            return min(max(last_cores.get(v[0], 1.0), 0.1), budget)

        took, cores = {}, {}

        def timed(v):
            t = time.monotonic()
            out = run_vm(qemu, *v[1:])
            took[v[0]] = round(time.monotonic() - t, 1)
            res = out[1]
            if res is not None and res.cpu_seconds is not None and took[v[0]] > 0:
                cores[v[0]] = round(res.cpu_seconds / took[v[0]], 2)
            return out

        if kind == 'guest':
            log('VMs: at most %d at once, within %.1f cores (what each used last time)' %
                (args.jobs, budget))
        started = schedule(order, cores_of, max(1, args.jobs), budget, timed)
        # Host results first, as if they had run first.
        for f in host_done:
            rep.emit(f.result())
        host_done = []
        # Results are still reported in group order.
        for v in vms:
            line = v[1].kernel.line
            results, res = started[v[0]].result()
            if res and (kind == 'bench' or args.verbose):
                for kind_, rest in res.events:
                    if kind_ == 'OUT' and not KTAP_LINE.match(rest):
                        print_output(rest, line, kind)
            rep.emit(results)
        save_durations(kind, took)
        save_cores(kind, cores)
    for f in host_done:
        rep.emit(f.result())
    log('total %.1f s' % (time.monotonic() - t0))
    return rep.finish()
