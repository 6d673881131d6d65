// WebRTC tests need ICE candidates, and Chromium gathers none on loopback unless told to; in a
// network namespace that holds only `lo`, the only candidate is 127.0.0.1, so calls connect
// the same way on every machine and never touch a real network. Everything of such a test runs
// in the namespace: `felund serve` / `felund relay` processes (ip netns exec) and Chromium (a
// wrapper script as its executable). The test process itself stays outside, so it talks to the
// servers only through the pages (pageFetch). Creating a namespace needs root (CI runs as root);
// without it the test fails with a message saying so — it is never skipped silently.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { chromium, type Browser, type Page } from "playwright-core";
import { ensureWebBuild } from "../../src/node/web-static.ts";
import { ROOT, felund, spawnUntilReady, tempDir } from "../cli/helpers.ts";
import { CHROMIUM_ARGS } from "./browser.ts";

const MAIN = join(ROOT, "src/cli/main.ts");

export const CALL_CHROMIUM_ARGS = [
  ...CHROMIUM_ARGS,
  "--use-fake-ui-for-media-stream",
  "--use-fake-device-for-media-stream",
  "--allow-loopback-in-peer-connection",
  "--disable-features=WebRtcHideLocalIpsWithMdns",
  "--autoplay-policy=no-user-gesture-required",
];

function sh(argv: string[]): { code: number; out: string } {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode ?? 1, out: (r.stdout.toString() + r.stderr.toString()).trim() };
}

export class Netns {
  private wrapperDir = "";
  private procs: Subprocess[] = [];
  private constructor(readonly name: string) {}

  /** A fresh namespace with only loopback, up. Throws (never skips) when that is impossible here. */
  static create(tag: string): Netns {
    const name = `felund-${tag}-${process.pid}`;
    const why = (what: string, r: { out: string }) =>
      new Error(
        `calls test needs a network namespace (root and iproute2: ip netns add); ${what} failed: ${r.out || "no output"}`,
      );
    sh(["ip", "netns", "delete", name]);
    const add = sh(["ip", "netns", "add", name]);
    if (add.code !== 0) throw why(`"ip netns add ${name}"`, add);
    const up = sh(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"]);
    if (up.code !== 0) {
      sh(["ip", "netns", "delete", name]);
      throw why("bringing up lo", up);
    }
    return new Netns(name);
  }

  exec(argv: string[]): string[] {
    return ["ip", "netns", "exec", this.name, ...argv];
  }

  /** Chromium inside the namespace (playwright talks to it over a pipe, which crosses namespaces). */
  async browser(): Promise<Browser> {
    ensureWebBuild((l) => console.error(l));
    this.wrapperDir = mkdtempSync(join(tmpdir(), "felund-chromium-"));
    const wrapper = join(this.wrapperDir, "chromium");
    writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${this.name} /usr/bin/chromium "$@"\n`);
    chmodSync(wrapper, 0o755);
    return chromium.launch({ executablePath: wrapper, args: CALL_CHROMIUM_ARGS, headless: true, timeout: 20_000 });
  }

  /** Start `felund ...args` in the namespace and wait until its stdout matches `ready`. */
  async start(
    dir: string,
    args: string[],
    ready: RegExp,
    timeoutMs = 20_000,
  ): Promise<{ proc: Subprocess; match: RegExpMatchArray; output: () => string }> {
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      FELUND_STATE_DIR: dir,
      NO_COLOR: "1",
    };
    delete env.FELUND_API_BASE;
    const r = await spawnUntilReady(
      this.exec([process.execPath, MAIN, ...args]),
      env,
      ready,
      timeoutMs,
      `felund ${args.join(" ")}`,
    );
    this.procs.push(r.proc);
    return { proc: r.proc, match: r.match, output: () => r.output() + r.errors() };
  }

  /** `felund init` then `felund serve` (local API + web UI) in the namespace. */
  async serve(name: string, extra: string[] = []): Promise<NsNode> {
    const dir = tempDir();
    const init = await felund(dir, "init", "--bind", "127.0.0.1", "--name", name);
    if (init.code !== 0) throw new Error(`init failed: ${init.stderr}`);
    const r = await this.start(
      dir,
      ["serve", "--http", "127.0.0.1:0", "--port", "0", "--interval", "1", ...extra],
      /open (http:\/\/127\.0\.0\.1:\d+)\/#token=([0-9a-f]{64})/,
    );
    return { dir, base: r.match[1]!, token: r.match[2]!, url: `${r.match[1]}/#token=${r.match[2]}`, output: r.output };
  }

  /** `felund relay` (with the web client in relay mode) in the namespace. */
  async relay(): Promise<{ base: string }> {
    const dir = tempDir();
    const r = await this.start(
      dir,
      ["relay", "--http", "127.0.0.1:0", "--db", join(dir, "relay.sqlite")],
      /relay base for nodes and browsers: (http:\/\/127\.0\.0\.1:\d+)/,
    );
    return { base: r.match[1]! };
  }

  close(): void {
    for (const p of this.procs) p.kill(9);
    this.procs = [];
    if (this.wrapperDir) rmSync(this.wrapperDir, { recursive: true, force: true });
    sh(["ip", "netns", "delete", this.name]);
  }
}

export interface NsNode {
  dir: string;
  base: string;
  token: string;
  url: string;
  output: () => string;
}

/** fetch() from inside a page (the test process is outside the namespace). */
export async function pageFetch<T = any>(
  page: Page,
  url: string,
  init: { method?: string; token?: string; body?: unknown } = {},
): Promise<T> {
  return page.evaluate(
    async ({ url, init }) => {
      const r = await fetch(url, {
        method: init.method ?? "GET",
        headers: {
          ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
          ...(init.body !== undefined ? { "content-type": "application/json" } : {}),
        },
        body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
      });
      return r.json();
    },
    { url, init },
  );
}

/** The local node's API, called from its own page. */
export const nodeApi = <T = any>(page: Page, n: NsNode, method: string, path: string, body?: unknown) =>
  pageFetch<T>(page, `${n.base}/api${path}`, { method, token: n.token, body });

export interface AudioStat {
  nodeId: string;
  state: string;
  inBytes: number;
  outBytes: number;
  /** senders that carry a track */
  senders: number;
  restarts: number;
  ufrag: string;
}
/** Audio bytes per peer of the page's call (getStats through the call controller). */
/** The audio link to `peer` on this page (throws when there is none). */
export const statOf = async (page: Page, peer: string): Promise<AudioStat> => {
  const s = (await callStats(page)).find((x) => x.nodeId === peer);
  if (!s) throw new Error(`no link to ${peer}`);
  return s;
};

export const callStats = (page: Page): Promise<AudioStat[]> =>
  page.evaluate(() => ((globalThis as any).__felundCall?.stats() ?? []) as Promise<AudioStat[]>);
