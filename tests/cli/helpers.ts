// Running the real `felund` command line in child processes, each with its own state dir.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { afterEach } from "bun:test";

export const ROOT = new URL("../..", import.meta.url).pathname;
const MAIN = join(ROOT, "src/cli/main.ts");

const dirs: string[] = [];
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "felund-cli-"));
  dirs.push(d);
  return d;
}
export function removeTempDirs(): void {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
}

function env(dir: string): Record<string, string> {
  const e: Record<string, string> = {
    ...(process.env as Record<string, string>),
    FELUND_STATE_DIR: dir,
    NO_COLOR: "1",
  };
  delete e.FELUND_API_BASE;
  return e;
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** `felund ...args` with FELUND_STATE_DIR=dir; waits for it to exit (bounded). */
export async function felund(dir: string, ...args: string[]): Promise<Result> {
  const p = Bun.spawn([process.execPath, MAIN, ...args], {
    cwd: ROOT,
    env: env(dir),
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  const timer = setTimeout(() => p.kill(9), 15_000);
  const [stdout, stderr, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  clearTimeout(timer);
  return { code, stdout, stderr };
}

export interface Running {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  output: () => string;
  errors: () => string;
  match: RegExpMatchArray;
}

/** Start a long-running `felund` (run/serve) and wait until its stdout matches `ready`. */
/**
 * Spawn `cmd` and read its stdout until it matches `ready` (then keep draining both pipes so
 * the child never blocks on a full one). Used for felund processes here and in a namespace.
 */
export async function spawnUntilReady(
  cmd: string[],
  env: Record<string, string | undefined>,
  ready: RegExp,
  timeoutMs: number,
  label: string,
  cwd = ROOT,
): Promise<Running> {
  const proc = Bun.spawn(cmd, { cwd, env, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  let out = "";
  let err = "";
  const dec = new TextDecoder();
  const errReader = proc.stderr.getReader();
  void (async () => {
    for (;;) {
      const r = await errReader.read().catch(() => null);
      if (!r || r.done) break;
      err += dec.decode(r.value, { stream: true });
    }
  })();
  const reader = proc.stdout.getReader();
  const t0 = Date.now();
  let match: RegExpMatchArray | null = null;
  while (!(match = out.match(ready))) {
    if (Date.now() - t0 > timeoutMs) {
      proc.kill(9);
      throw new Error(`${label} not ready: ${out}\n${err}`);
    }
    const r = await Promise.race([reader.read(), Bun.sleep(timeoutMs).then(() => null)]);
    if (!r || r.done) {
      proc.kill(9);
      throw new Error(`${label} exited early: ${out}\n${err}`);
    }
    out += dec.decode(r.value, { stream: true });
  }
  void (async () => {
    for (;;) {
      const r = await reader.read().catch(() => null);
      if (!r || r.done) break;
      out += dec.decode(r.value, { stream: true });
    }
  })();
  return { proc, output: () => out, errors: () => err, match };
}

export const startFelund = (dir: string, args: string[], ready: RegExp, timeoutMs = 10_000): Promise<Running> =>
  spawnUntilReady([process.execPath, MAIN, ...args], env(dir), ready, timeoutMs, `felund ${args.join(" ")}`);

/** A TCP port that was free a moment ago. */
export function freePort(): number {
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const p = l.port;
  l.stop(true);
  return p;
}

/** A test file's running processes: each is stopped after every test (SIGTERM, SIGKILL after 3 s). */
export function stoppedAfterEach(): Running[] {
  const procs: Running[] = [];
  afterEach(async () => {
    while (procs.length) {
      const p = procs.pop()!;
      p.proc.kill("SIGTERM");
      await Promise.race([p.proc.exited, Bun.sleep(3000).then(() => p.proc.kill(9))]);
    }
  });
  return procs;
}
