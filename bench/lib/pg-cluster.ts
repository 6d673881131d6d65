// A throwaway PostgreSQL cluster for tests and benchmarks: initdb in a temp directory owned by
// the `postgres` user (initdb refuses root), `postgres` on a free loopback port with its unix
// socket in that directory, no system service. Needs Debian's `postgresql` package and root
// (runuser); anything missing fails loudly: these tests never skip silently.
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";

export interface PgCluster {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  dir: string;
  /** A fresh database in the cluster; returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** The newest /usr/lib/postgresql/N/bin. */
export function pgBinDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, "bin", "initdb"))) : [];
  if (!versions.length)
    throw new Error("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): apt-get install postgresql");
  versions.sort((a, b) => Number(b) - Number(a));
  return join(root, versions[0]!, "bin");
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

async function uidOf(user: string): Promise<{ uid: number; gid: number }> {
  const p = Bun.spawnSync(["id", "-u", user]);
  const g = Bun.spawnSync(["id", "-g", user]);
  if (p.exitCode !== 0) throw new Error(`no '${user}' user (is the postgresql package installed?)`);
  return { uid: Number(p.stdout.toString().trim()), gid: Number(g.stdout.toString().trim()) };
}

function run(cmd: string[], what: string): void {
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${what} failed (${r.exitCode}): ${r.stderr.toString()}${r.stdout.toString()}`);
}

/** Start a cluster (about a second); call stop() after. */
/** `durable`: fsync on (benchmarks; comparable to SQLite's synchronous=FULL); tests run without. */
export async function startPgCluster(opts: { maxConnections?: number; durable?: boolean } = {}): Promise<PgCluster> {
  if (process.getuid?.() !== 0)
    throw new Error("the PostgreSQL tests need root (initdb and postgres run as the postgres user via runuser)");
  const bin = pgBinDir();
  const { uid, gid } = await uidOf("postgres");
  const dir = mkdtempSync(join(tmpdir(), "felund-pg-"));
  chmodSync(dir, 0o700);
  chownSync(dir, uid, gid);
  const data = join(dir, "data");
  const as = (cmd: string[]) => ["runuser", "-u", "postgres", "--", ...cmd];
  run(as([join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]), "initdb");
  const port = await freePort();
  const proc = Bun.spawn(
    as([
      join(bin, "postgres"),
      "-D",
      data,
      "-p",
      String(port),
      "-h",
      "127.0.0.1",
      "-k",
      dir,
      "-c",
      `max_connections=${opts.maxConnections ?? 100}`,
      ...(opts.durable ? [] : ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]),
    ]),
    { stdout: "ignore", stderr: "pipe" },
  );
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null)
      throw new Error(`postgres exited (${proc.exitCode}): ${await new Response(proc.stderr).text()}`);
    const ok = Bun.spawnSync([join(bin, "pg_isready"), "-h", "127.0.0.1", "-p", String(port), "-U", "postgres"]);
    if (ok.exitCode === 0) break;
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error("postgres did not become ready in 20 s");
    }
    await Bun.sleep(100);
  }
  return {
    url,
    port,
    dir,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
      const sql = new Bun.SQL(url);
      try {
        await sql.unsafe(`CREATE DATABASE ${name}`);
      } finally {
        await sql.close();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      // runuser does not pass signals on: signal the postmaster itself (SIGINT: fast shutdown)
      try {
        const pid = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
        if (pid > 0) process.kill(pid, "SIGINT");
      } catch {
        proc.kill("SIGKILL");
      }
      const t = setTimeout(() => proc.kill("SIGKILL"), 5000);
      await proc.exited;
      clearTimeout(t);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
