/**
 * contrib/: the service files. rc.d scripts parse (sh -n) and use iked the way it
 * works (detaching without -d, the pid file iked writes, ikectl reload); the
 * launchd plist is well-formed XML with the keys launchd needs; the systemd unit
 * passes systemd-analyze verify and runs iked in the foreground.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { IKED_DEFAULT_PIDFILE } from '../../src/cli/iked-daemonize';

const REPO = path.resolve(__dirname, __filename.endsWith('.ts') ? '../..' : '../../..');
const C = (p: string): string => path.join(REPO, 'contrib', p);
const read = (p: string): string => fs.readFileSync(C(p), 'utf8');

const RC = ['openbsd/rc.d/iked', 'freebsd/rc.d/iked', 'netbsd/rc.d/iked'];

test('rc.d scripts: sh -n parses each, executable, header says how to install and run it', () => {
  for (const f of RC) {
    const r = spawnSync('sh', ['-n', C(f)], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${f}: ${r.stderr}`);
    assert.ok(fs.statSync(C(f)).mode & 0o111, `${f} is executable`);
    const text = read(f);
    assert.match(text, /^#!\/bin\/k?sh\n/);
    assert.match(text, /^# Install: install -m 555 contrib\//m, `${f}: install line`);
    assert.match(text, /^# Use: /m, `${f}: use line`);
  }
});

test('sh -n does fail on a broken script (the check above can fail)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iked-rc-'));
  try {
    const f = path.join(dir, 'broken');
    fs.writeFileSync(f, read('freebsd/rc.d/iked').replace('iked_reload()\n{', 'iked_reload()\n{ if'));
    assert.notEqual(spawnSync('sh', ['-n', f]).status, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('OpenBSD rc.d: rc.subr, rc_pre checks the configuration with iked -n, rc_reload runs ikectl reload, iked detaches (no -d)', () => {
  const s = read('openbsd/rc.d/iked');
  assert.match(s, /^\. \/etc\/rc\.d\/rc\.subr$/m);
  assert.match(s, /^daemon="\/usr\/local\/sbin\/iked"$/m);
  assert.match(s, /^rc_pre\(\) \{\n\t\$\{daemon\} -n \$\{daemon_flags\}\n\}/m);
  assert.match(s, /^rc_reload\(\) \{\n\t\/usr\/local\/sbin\/ikectl reload\n\}/m);
  assert.match(s, /^pexp="node \$\{daemon\}/m, 'a node script: pgrep -xf sees "node /usr/local/sbin/iked ..."');
  assert.match(s, /^rc_cmd \$1$/m);
  assert.doesNotMatch(s, /daemon_flags=.*-d/);
});

for (const [os_, prefix, enable] of [
  ['freebsd', '/usr/local', 'iked_enable'],
  ['netbsd', '/usr/pkg', 'rcvar=\\$name'],
] as const) {
  test(`${os_} rc.d: rc.subr, ${enable}, command, the pid file iked writes, reload through ikectl`, () => {
    const s = read(`${os_}/rc.d/iked`);
    assert.match(s, /rc\.subr/);
    assert.match(s, new RegExp(enable));
    assert.match(s, new RegExp(`^command="${prefix}/sbin/(iked|\\$\\{name\\})"$`, 'm'));
    // iked's own default pid file, written when it detaches
    assert.equal(IKED_DEFAULT_PIDFILE, '/var/run/iked.pid');
    assert.match(s, /^pidfile="\/var\/run\/\$\{name\}\.pid"$/m);
    assert.match(s, /^name="iked"$/m);
    assert.match(s, /^extra_commands="reload[" ]/m);
    assert.match(s, /^reload_cmd="iked_reload"$/m);
    assert.match(s, new RegExp(`^iked_reload\\(\\)\\n\\{\\n\\t${prefix}/sbin/ikectl reload\\n\\}`, 'm'));
    assert.match(s, /\$\{command\} -n /, 'configtest with iked -n');
    assert.doesNotMatch(s, /command_args=.*-d/, 'iked must detach by itself under rc.subr');
    assert.match(s, /^run_rc_command "\$1"$/m);
  });
}

/** Minimal XML well-formedness: declaration, comments, DOCTYPE, nested elements, quoted attributes, entities. */
export function xmlWellFormed(xml: string): string | null {
  let i = 0;
  const stack: string[] = [];
  let root = 0;
  const name = /^[A-Za-z_:][\w.:-]*/;
  if (xml.startsWith('<?xml')) {
    const e = xml.indexOf('?>');
    if (e < 0) return 'unterminated XML declaration';
    i = e + 2;
  }
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt < 0 ? xml.length : lt);
    if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(text)) return `bad entity near offset ${i}`;
    if (stack.length === 0 && text.trim() !== '') return `text outside the root element at offset ${i}`;
    if (lt < 0) break;
    i = lt;
    if (xml.startsWith('<!--', i)) {
      const e = xml.indexOf('-->', i + 4);
      if (e < 0) return 'unterminated comment';
      if (xml.slice(i + 4, e).includes('--')) return 'comment contains --';
      i = e + 3;
    } else if (xml.startsWith('<!DOCTYPE', i)) {
      if (root || stack.length) return 'DOCTYPE after the root element';
      const e = xml.indexOf('>', i);
      if (e < 0) return 'unterminated DOCTYPE';
      i = e + 1;
    } else if (xml.startsWith('<?', i)) {
      const e = xml.indexOf('?>', i);
      if (e < 0) return 'unterminated processing instruction';
      i = e + 2;
    } else if (xml.startsWith('</', i)) {
      const m = name.exec(xml.slice(i + 2));
      if (!m) return `bad end tag at offset ${i}`;
      const j = i + 2 + m[0].length;
      const e = xml.indexOf('>', j);
      if (e < 0 || xml.slice(j, e).trim() !== '') return `bad end tag at offset ${i}`;
      const open = stack.pop();
      if (open !== m[0]) return `</${m[0]}> closes <${open ?? 'nothing'}>`;
      i = e + 1;
    } else {
      const m = name.exec(xml.slice(i + 1));
      if (!m) return `bad start tag at offset ${i}`;
      let j = i + 1 + m[0].length;
      const attrs = new Set<string>();
      for (;;) {
        const rest = xml.slice(j);
        const a = /^\s+([A-Za-z_:][\w.:-]*)\s*=\s*("[^"<]*"|'[^'<]*')/.exec(rest);
        if (a) {
          if (attrs.has(a[1])) return `duplicate attribute ${a[1]}`;
          attrs.add(a[1]);
          j += a[0].length;
          continue;
        }
        const end = /^\s*(\/?)>/.exec(rest);
        if (!end) return `bad start tag <${m[0]}> at offset ${i}`;
        j += end[0].length;
        if (stack.length === 0) {
          if (root) return 'more than one root element';
          root = 1;
        }
        if (!end[1]) stack.push(m[0]);
        break;
      }
      i = j;
    }
  }
  if (stack.length) return `<${stack[stack.length - 1]}> is not closed`;
  if (!root) return 'no root element';
  return null;
}

type PlistValue = string | boolean | number | PlistValue[] | { [k: string]: PlistValue };

/** The plist's top-level value (string, integer, true/false, array, dict) as a JS value. */
function parsePlist(xml: string): { [k: string]: PlistValue } {
  const m = /<plist version="1\.0">([\s\S]*)<\/plist>/.exec(xml.replace(/<!--[\s\S]*?-->/g, ''));
  assert.ok(m, 'a <plist version="1.0"> document');
  const tokens = (m[1].match(/<\/?[A-Za-z]+\/?>|[^<]+/g) ?? []).filter((x) => x.trim() !== '');
  let k = 0;
  const next = (): string => {
    if (k >= tokens.length) throw new Error('plist ends early');
    return tokens[k++];
  };
  const value = (): PlistValue => {
    const t = next();
    if (t === '<true/>') return true;
    if (t === '<false/>') return false;
    if (t === '<string>' || t === '<integer>') {
      const close = t.replace('<', '</');
      const s = tokens[k] === close ? '' : next();
      assert.equal(next(), close);
      return t === '<integer>' ? Number(s) : s;
    }
    if (t === '<array>') {
      const out: PlistValue[] = [];
      while (tokens[k] !== '</array>') out.push(value());
      k++;
      return out;
    }
    if (t === '<dict>') {
      const out: { [key: string]: PlistValue } = {};
      while (tokens[k] !== '</dict>') {
        assert.equal(next(), '<key>');
        const key = next();
        assert.equal(next(), '</key>');
        out[key] = value();
      }
      k++;
      return out;
    }
    throw new Error(`unexpected plist token ${t}`);
  };
  const top = value();
  assert.equal(k, tokens.length, 'one value in the plist');
  assert.ok(typeof top === 'object' && !Array.isArray(top), 'the top level is a dict');
  return top as { [k: string]: PlistValue };
}

test('the XML check rejects what is not well-formed', () => {
  const good = read('macos/iked.plist');
  assert.equal(xmlWellFormed(good), null);
  assert.notEqual(xmlWellFormed(good.replace('</array>', '')), null);
  assert.notEqual(xmlWellFormed(good.replace('<string>-d</string>', '<string>-d</strin>')), null);
  assert.notEqual(xmlWellFormed(good.replace('<true/>', '<true>')), null);
  assert.notEqual(xmlWellFormed(good.replace('<string>-d</string>', '<string>a & b</string>')), null);
  assert.notEqual(xmlWellFormed(good + '<dict/>'), null);
});

test('launchd plist: well-formed, Label, ProgramArguments with -d (launchd wants the foreground), RunAtLoad, KeepAlive', () => {
  const xml = read('macos/iked.plist');
  assert.equal(xmlWellFormed(xml), null);
  assert.match(xml, /<!DOCTYPE plist PUBLIC "-\/\/Apple\/\/DTD PLIST 1\.0\/\/EN"/);
  assert.match(xml, /sudo launchctl bootstrap system \/Library\/LaunchDaemons\/org\.iked\.iked\.plist/);
  const p = parsePlist(xml);
  assert.equal(p.Label, 'org.iked.iked');
  assert.ok(Array.isArray(p.ProgramArguments));
  const args = p.ProgramArguments as string[];
  assert.match(args[0], /\/sbin\/iked$/);
  assert.ok(args.includes('-d'), 'foreground');
  assert.equal(args[args.indexOf('-f') + 1], '/usr/local/etc/iked.conf');
  assert.equal(p.RunAtLoad, true);
  assert.equal(p.KeepAlive, true);
});

const UNIT = 'systemd/iked.service';

/** key=value lines of one section of the unit. */
function section(unit: string, name: string): Map<string, string> {
  const m = new Map<string, string>();
  let cur = '';
  for (const line of unit.split('\n')) {
    const h = /^\[(.+)\]$/.exec(line);
    if (h) cur = h[1];
    else if (cur === name && /^\w+=/.test(line)) {
      const eq = line.indexOf('=');
      m.set(line.slice(0, eq), line.slice(eq + 1));
    }
  }
  return m;
}

test('systemd unit: Type=simple, ExecStart iked -d, ExecReload ikectl reload, the capabilities privilege separation needs', () => {
  const unit = read(UNIT);
  assert.match(unit, /^# Install: cp contrib\/systemd\/iked\.service \/etc\/systemd\/system\/iked\.service$/m);
  const s = section(unit, 'Service');
  assert.equal(s.get('Type'), 'simple');
  assert.equal(s.get('ExecStart'), '/usr/sbin/iked -d -f /etc/iked.conf');
  assert.equal(s.get('ExecReload'), '/usr/sbin/ikectl reload');
  assert.equal(s.get('NoNewPrivileges'), 'yes');
  const caps = new Set((s.get('CapabilityBoundingSet') ?? '').split(/\s+/));
  for (const c of ['CAP_NET_ADMIN', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_SETUID', 'CAP_SETGID', 'CAP_KILL']) assert.ok(caps.has(c), c);
  assert.deepEqual(new Set((s.get('RestrictAddressFamilies') ?? '').split(/\s+/)), new Set(['AF_UNIX', 'AF_INET', 'AF_INET6', 'AF_NETLINK', 'AF_KEY']));
  assert.ok(!s.has('MemoryDenyWriteExecute'), 'V8 needs W+X pages');
  assert.equal(section(unit, 'Install').get('WantedBy'), 'multi-user.target');
});

test('systemd unit: systemd-analyze verify passes', (t) => {
  if (spawnSync('systemd-analyze', ['--version']).status !== 0) {
    if (process.env.CI) assert.fail('systemd-analyze is missing on CI');
    return t.skip('systemd-analyze is not installed');
  }
  // verify refuses an ExecStart whose binary does not exist, and /usr/sbin/iked is not
  // installed here: a copy of the unit points ExecStart/ExecReload at node (an existing
  // executable) and leaves every other line as it is. --man=no: the man pages
  // named in Documentation= are not installed on a build host either.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iked-unit-'));
  try {
    const unit = read(UNIT).replace(/\/usr\/sbin\/(ikectl|iked)\b/g, process.execPath);
    assert.notEqual(unit, read(UNIT));
    const f = path.join(dir, 'iked.service');
    fs.writeFileSync(f, unit);
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', f], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /iked\.service/, r.stderr);
    // and it does catch a broken unit
    fs.writeFileSync(f, unit.replace('Type=simple', 'Type=bogus').replace('ExecStart=', 'ExecStart=relative/'));
    const bad = spawnSync('systemd-analyze', ['verify', '--man=no', f], { encoding: 'utf8' });
    assert.notEqual(bad.status, 0, 'a broken unit fails verify');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
