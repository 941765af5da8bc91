#!/usr/bin/env bash
# The README's examples, run as written (part of .ci/test): every ```sh block of README.md runs,
# in order, with bash -e in a scratch directory that looks like a fresh clone (./ncj and core/
# there lead to this checkout), so the documentation cannot drift from the program:
#   - a block right after a line <!-- readme-test: not run (REASON) --> is skipped, the reason printed;
#   - a block right after <!-- readme-test: output of the command above --> is compared with what
#     the previous sh block printed: every line of it must appear there, numbers equal to the
#     digits shown (a line "..." or "…" stands for elided lines);
#   - a ```json block right after <!-- readme-test: sample of DIR/metrics.json --> must agree
#     with that file (every "name": number pair, to the digits shown or to 1e-6 relative: the
#     digits beyond float32 precision depend on the BLAS);
#   - after the first ./ncj build, the launcher's classpath must hold no test-scope jar;
#   - ./ncj with a missing input file exits 2 with one line on stderr.
# Prints one line per check and "N passed, M failed".
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
ln -s "$root/core" "$work/core"
ln -s "$root/docs" "$work/docs"
printf '#!/usr/bin/env bash\nexec %q "$@"\n' "$root/ncj" >"$work/ncj"
chmod +x "$work/ncj"
python3 - "$root/README.md" "$work" "$root/core/target/ncj.classpath" <<'PY'
import re, subprocess, sys, json, os
readme, work, cpfile = sys.argv[1], sys.argv[2], sys.argv[3]
lines = open(readme, encoding='utf-8').read().split('\n')
blocks = []  # (kind, marker, text, line number)
i = 0
while i < len(lines):
    m = re.match(r'^```(\w*)\s*$', lines[i])
    if m:
        j = i + 1
        while not lines[j].startswith('```'):
            j += 1
        k = i - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        marker = lines[k].strip() if k >= 0 and lines[k].strip().startswith('<!-- readme-test:') else ''
        blocks.append((m.group(1), marker, '\n'.join(lines[i + 1:j]), i + 1))
        i = j + 1
    else:
        i += 1

num = re.compile(r'^[-+]?(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$')
def same(doc, real):
    """A documented token matches the real one: equal text, or a number equal to the digits shown."""
    if doc == real:
        return True
    m, r = num.match(doc), num.match(real)
    if m and r and any(ch.isdigit() for ch in doc) and any(ch.isdigit() for ch in real):
        tol = 0.5 * 10 ** (-len(m.group(2) or '')) * 10 ** int(m.group(3) or 0) * 1.0001
        return abs(float(doc) - float(real)) <= tol
    return False
def line_matches(doc, real):
    """Token by token; a documented line ending in '…' matches any line that starts like it."""
    a, b = doc.split(), real.split()
    if a and a[-1] == '…':
        a = a[:-1]
        b = b[:len(a)]
    return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))

passed = failed = 0
def result(ok, what, detail=''):
    global passed, failed
    print(('ok    ' if ok else 'FAIL  ') + what + ('' if ok or not detail else '\n' + detail))
    if ok: passed += 1
    else: failed += 1

last_out = None
checked_cp = False
for kind, marker, text, ln in blocks:
    where = 'README.md:%d' % ln
    if kind == 'sh':
        if 'not run' in marker:
            print('skip  %s %s' % (where, marker[len('<!-- readme-test:'):-3].strip()))
            continue
        p = subprocess.run(['bash', '-eo', 'pipefail', '-c', text], cwd=work, capture_output=True, text=True, timeout=1200)
        last_out = p.stdout + p.stderr
        result(p.returncode == 0, '%s runs: %s' % (where, text.split('\n')[0][:60]),
               'exit %d\n%s' % (p.returncode, last_out[-3000:]))
        if not checked_cp and os.path.exists(cpfile):
            checked_cp = True
            jars = open(cpfile).read().strip().split(':')
            test_jars = [j for j in jars if re.search(r'junit|opentest4j|apiguardian', j)]
            result(not test_jars, "the launcher's classpath (core/target/ncj.classpath) holds runtime jars only", '\n'.join(test_jars))
    elif 'output of the command above' in marker:
        real = [l for l in (last_out or '').split('\n') if l.strip()]
        missing = []
        for d in text.split('\n'):
            if not d.strip() or d.strip() in ('...', '…'):
                continue
            if not any(line_matches(d, r) for r in real):
                missing.append(d)
        result(not missing, '%s matches the output of the command above' % where,
               'not in the real output:\n  ' + '\n  '.join(missing) + '\nreal output:\n' + '\n'.join(real[-40:]))
    elif 'sample of' in marker:
        path = re.search(r'sample of (\S+)', marker).group(1)
        try:
            real = json.load(open(os.path.join(work, path)))
        except OSError as e:
            result(False, '%s: %s' % (where, e)); continue
        flat = {}
        def walk(o):
            if isinstance(o, dict):
                for k, v in o.items():
                    if isinstance(v, (int, float)) and not isinstance(v, bool): flat.setdefault(k, v)
                    walk(v)
        walk(real)
        bad = []
        for k, v in re.findall(r'"(\w+)":\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)', text):
            # Beyond 7 significant digits (float32 accumulation) the value depends on the BLAS.
            r = flat.get(k)
            if r is None or not (same(v, str(r)) or abs(float(v) - r) <= 1e-6 * abs(r)):
                bad.append('%s: README %s, %s %s' % (k, v, path, flat.get(k, 'absent')))
        result(not bad, '%s agrees with %s' % (where, path), '\n'.join(bad))
# The launcher's contract beyond the examples: bad input ends with exactly one line on stderr and
# exit 2, also with the Vector API module on (./ncj drops the JVM's notice about it).
for opts in ('', '--add-modules jdk.incubator.vector'):
    env = dict(os.environ, NCJ_JAVA_OPTS=opts)
    p = subprocess.run(['./ncj', 'analyze', '--train-x', 'missing.npy', '--train-y', 'missing-labels.npy'],
                       cwd=work, capture_output=True, text=True, timeout=1200, env=env)
    err = [l for l in p.stderr.split('\n') if l]
    result(p.returncode == 2 and p.stdout == '' and len(err) == 1 and err[0].startswith('ncj: missing.npy: '),
           './ncj analyze with a missing file%s: exit 2, one line on stderr naming the file' % (', NCJ_JAVA_OPTS=' + opts if opts else ''),
           'exit %d\nstdout: %r\nstderr: %r' % (p.returncode, p.stdout, p.stderr))
print('%d passed, %d failed' % (passed, failed))
sys.exit(1 if failed else 0)
PY
