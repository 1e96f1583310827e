/**
 * A real FreeRADIUS (Debian's `freeradius` package) for tests: a generated
 * config directory (users file, one client with our secret, EAP with
 * MSCHAPv2 as default, accounting into a detail file), `freeradius -X`
 * listening on 127.0.0.1 on free ports. Needs no root.
 */
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FREERADIUS_BIN = ['/usr/sbin/freeradius', '/usr/sbin/radiusd'].find((p) => existsSync(p)) ?? '';

/** Why FreeRADIUS tests cannot run here, or null. */
export function freeradiusMissing(): string | null {
  if (!FREERADIUS_BIN) return 'needs FreeRADIUS (apt-get install freeradius freeradius-utils; see ci/deps.sh)';
  return null;
}

export interface FreeRadiusUser {
  name: string;
  password: string;
  /** Reply items, FreeRADIUS users-file syntax, e.g. 'Framed-IP-Address = 10.9.0.7'. */
  reply?: string[];
}

export interface FreeRadiusOptions {
  secret: string;
  users: FreeRadiusUser[];
  /** Client address allowed (default 127.0.0.1). */
  client?: string;
  /** Listen address (default 127.0.0.1). */
  listen?: string;
}

/** A free UDP port on 127.0.0.1 (bound then released). */
export async function freeUdpPort(address = '127.0.0.1'): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((res) => s.bind(0, address, () => res()));
  const port = s.address().port;
  await new Promise<void>((res) => s.close(() => res()));
  return port;
}

function usersFile(users: FreeRadiusUser[]): string {
  return users
    .map((u) => {
      const head = `"${u.name}" Cleartext-Password := "${u.password}"`;
      const reply = (u.reply ?? []).map((r) => `\t${r}`).join(',\n');
      return reply ? `${head}\n${reply}\n` : `${head}\n`;
    })
    .join('\n');
}

function radiusdConf(dir: string, o: FreeRadiusOptions, authPort: number, acctPort: number): string {
  return `prefix = /usr
exec_prefix = /usr
sysconfdir = /etc
localstatedir = /var
sbindir = /usr/sbin
logdir = ${dir}/log
raddbdir = ${dir}
radacctdir = ${dir}/acct
name = freeradius
confdir = \${raddbdir}
modconfdir = \${confdir}
run_dir = ${dir}/run
db_dir = \${raddbdir}
libdir = /usr/lib/freeradius
pidfile = \${run_dir}/radiusd.pid
max_request_time = 30
cleanup_delay = 5
max_requests = 16384
hostname_lookups = no
log {
  destination = stdout
  auth = yes
}
security {
  allow_core_dumps = no
  max_attributes = 200
  reject_delay = 0
  status_server = no
}
client iked {
  ipaddr = ${o.client ?? '127.0.0.1'}
  secret = "${o.secret}"
  require_message_authenticator = yes
}
modules {
  files {
    filename = \${confdir}/users
    acctusersfile = \${confdir}/acct_users
  }
  mschap {
  }
  eap {
    default_eap_type = mschapv2
    timer_expire = 60
    ignore_unknown_eap_types = no
    max_sessions = 4096
    md5 {
    }
    mschapv2 {
      send_error = no
    }
  }
  detail {
    filename = \${radacctdir}/detail
    escape_filenames = no
    permissions = 0600
    header = "%t"
  }
}
server default {
  listen {
    type = auth
    ipaddr = ${o.listen ?? '127.0.0.1'}
    port = ${authPort}
  }
  listen {
    type = acct
    ipaddr = ${o.listen ?? '127.0.0.1'}
    port = ${acctPort}
  }
  authorize {
    files
    eap {
      ok = return
    }
  }
  authenticate {
    Auth-Type MS-CHAP {
      mschap
    }
    eap
  }
  preacct {
  }
  accounting {
    detail
  }
  post-auth {
    Post-Auth-Type REJECT {
      eap
    }
  }
}
`;
}

export class FreeRadius {
  private output = '';

  private constructor(
    readonly dir: string,
    readonly address: string,
    readonly authPort: number,
    readonly acctPort: number,
    private readonly proc: ChildProcess,
  ) {
    proc.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
  }

  /** Write the config and start `freeradius -X`; resolves when it is ready. `wrap` runs it e.g. inside `ip netns exec`. */
  static async start(o: FreeRadiusOptions, wrap: string[] = []): Promise<FreeRadius> {
    const missing = freeradiusMissing();
    if (missing) throw new Error(missing);
    const dir = mkdtempSync(join(tmpdir(), 'iked-freeradius-'));
    for (const d of ['log', 'run', 'acct']) mkdirSync(join(dir, d));
    const authPort = wrap.length ? 1812 : await freeUdpPort();
    const acctPort = wrap.length ? 1813 : await freeUdpPort();
    writeFileSync(join(dir, 'radiusd.conf'), radiusdConf(dir, o, authPort, acctPort));
    writeFileSync(join(dir, 'users'), usersFile(o.users));
    writeFileSync(join(dir, 'acct_users'), '');
    writeFileSync(join(dir, 'dictionary'), '');
    const argv = [...wrap, FREERADIUS_BIN, '-X', '-d', dir, '-n', 'radiusd'];
    const proc = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    const fr = new FreeRadius(dir, o.listen ?? '127.0.0.1', authPort, acctPort, proc);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`FreeRADIUS did not start within 15 s:\n${fr.output.slice(-3000)}`)), 15_000);
      const check = (): void => {
        if (fr.output.includes('Ready to process requests')) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout?.on('data', check);
      proc.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`FreeRADIUS exited with ${code}:\n${fr.output.slice(-3000)}`));
      });
    });
    return fr;
  }

  /** What radiusd printed so far (debug output). */
  get log(): string {
    return this.output;
  }

  /** The accounting detail file ('' until the first record). */
  detail(): string {
    const f = join(this.dir, 'acct', 'detail');
    return existsSync(f) ? readFileSync(f, 'utf8') : '';
  }

  /** Detail records as attribute maps (values unquoted). */
  detailRecords(): Record<string, string>[] {
    return this.detail()
      .split(/\n\n+/)
      .filter((b) => b.trim())
      .map((block) => {
        const rec: Record<string, string> = {};
        for (const line of block.split('\n').slice(1)) {
          const m = /^\s*([\w-]+) = (.*)$/.exec(line);
          if (m) rec[m[1]] = m[2].replace(/^"(.*)"$/, '$1');
        }
        return rec;
      });
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      const gone = new Promise<void>((res) => this.proc.once('exit', () => res()));
      this.proc.kill('SIGTERM');
      await Promise.race([gone, new Promise((res) => setTimeout(res, 3000))]);
      if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** radclient, if installed (freeradius-utils). */
export function radclientAvailable(): boolean {
  return spawnSync('radclient', ['-h'], { stdio: 'ignore' }).error === undefined;
}
