// Benchmark of issue 17's join target with each side in a process of its own, as deployed: alice
// runs `felund run` on a database holding JOIN_N (default 100,000) real signed messages of hers
// (written through her own store, as her node would), and bob runs the one-shot `felund join
// --code` against her. Measured from outside: bob's wall time from spawn to exit (process start
// included), the time his output first reports 50 messages held (the newest page), the CPU time
// of each process (bob's with its verify workers; alice's serving), the joiner's main thread CPU
// (sampled), peak RSS of each, and the load average (the machine's 2 cores are shared with other
// work: CPU figures are the ones to compare). Run: `npx bun bench/join-procs.ts` (JOIN_N=20000
// for a quick run).
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { NodeStore } from "../db/node-store.ts";
import { openSqlite } from "../db/sqlite.ts";
import { loadIdentity } from "../src/node/identity.ts";
import { installNativePrimitives } from "../src/node/native-primitives.ts";
import { systemRng } from "../src/protocol/crypto.ts";
import { nodeKeysFromSeed } from "../src/protocol/v2/keys.ts";
import { CallRegistry } from "../src/sync/control-apply.ts";
import { composeText } from "../src/sync/v2-apply.ts";
import { clockTicks, cpuTicks, machine, rssKiB, threadCpuTicks } from "./lib/proc-stat.ts";

installNativePrimitives();
const N = Number(process.env.JOIN_N ?? 100_000);
const MAIN = join(import.meta.dir, "..", "src/cli/main.ts");
const root = mkdtempSync(join(tmpdir(), "felund-joinprocs-"));
const dirA = join(root, "alice");
const dirB = join(root, "bob");
const env = (dir: string) => ({ ...process.env, FELUND_STATE_DIR: dir, NO_COLOR: "1", FELUND_API_BASE: "" });
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(", ");

async function felund(dir: string, ...args: string[]): Promise<string> {
  const p = Bun.spawn([process.execPath, MAIN, ...args], { env: env(dir), stdout: "pipe", stderr: "pipe" });
  const out = await new Response(p.stdout).text();
  if ((await p.exited) !== 0) throw new Error(`felund ${args.join(" ")}: ${await new Response(p.stderr).text()}`);
  return out;
}

const m = machine();
console.log(`setup: ${m.nproc} × ${m.cpu}, ${m.memGiB.toFixed(0)} GiB; Bun ${m.bun}; two felund processes on loopback`);
const port = (() => {
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const p = l.port;
  l.stop(true);
  return p;
})();
await felund(dirA, "init", "--bind", "127.0.0.1", "--port", String(port), "--name", "alice");
await felund(dirB, "init", "--bind", "127.0.0.1", "--name", "bob");
const { circleId, code } = JSON.parse(await felund(dirA, "invite", "--name", "big", "--json"));

// alice's history, through her store; created_ms one apart (the store's own order), within the clock skew
let t0 = performance.now();
const store = new NodeStore(openSqlite(join(dirA, "felund.sqlite")));
const keys = nodeKeysFromSeed(loadIdentity(store).secretKey);
const now = Math.floor(Date.now() / 1000) + 1;
const calls = new CallRegistry();
for (let i = 0; i < N; i += 10_000)
  store.transaction(() => {
    for (let k = i; k < Math.min(N, i + 10_000); k++) {
      const r = composeText(
        { store, calls, self: keys, now },
        {
          circleId,
          channelId: "general",
          displayName: "alice",
          now,
          rng: systemRng,
          text: `history message number ${k} with some words in it, as people write`,
        },
      );
      if (!r.ok) throw new Error(r.reason);
    }
  });
store.sql.close();
console.log(
  `history: ${N.toLocaleString()} signed messages written in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);

const alice = Bun.spawn([process.execPath, MAIN, "run"], { env: env(dirA), stdout: "pipe", stderr: "pipe" });
const reader = alice.stdout.getReader();
for (let out = ""; !/local API/.test(out); ) {
  const r = await reader.read();
  if (r.done) throw new Error(`felund run exited: ${out}`);
  out += new TextDecoder().decode(r.value);
}
void (async () => {
  while (!(await reader.read()).done);
})();
await Bun.sleep(500);

const HZ = clockTicks();
const aliceCpu0 = cpuTicks(alice.pid);
console.log(`load average before the join: ${load()}`);
t0 = performance.now();
const bob = Bun.spawn([process.execPath, MAIN, "join", "--code", code], {
  env: env(dirB),
  stdout: "pipe",
  stderr: "pipe",
});
const peak = { alice: 0, bob: 0 };
/** the joiner's main thread (its engine, the stores): its CPU as last sampled before it exited */
let bobMain = 0;
const sampler = setInterval(() => {
  try {
    peak.alice = Math.max(peak.alice, rssKiB(alice.pid).rss);
    peak.bob = Math.max(peak.bob, rssKiB(bob.pid).rss);
    bobMain = threadCpuTicks(bob.pid);
  } catch {
    /* bob exited */
  }
}, 50);
let firstPage = 0;
let lastLine = "";
const dec = new TextDecoder();
for await (const chunk of bob.stdout as unknown as AsyncIterable<Uint8Array>) {
  for (const line of dec.decode(chunk).split("\n")) {
    const got = /^syncing history: ([\d,]+) of/.exec(line);
    if (got && !firstPage && Number(got[1]!.replaceAll(",", "")) >= 50) firstPage = performance.now() - t0;
    if (line.trim()) lastLine = line;
  }
}
const code2 = await bob.exited;
const wall = performance.now() - t0;
clearInterval(sampler);
const aliceCpu = ((cpuTicks(alice.pid) - aliceCpu0) * 1000) / HZ;
const u = bob.resourceUsage();
const bobCpu = u ? (Number(u.cpuTime.user) + Number(u.cpuTime.system)) / 1000 : NaN;
alice.kill();
await alice.exited;
if (code2 !== 0) throw new Error(`felund join exited ${code2}: ${await new Response(bob.stderr).text()}`);
const held = new NodeStore(openSqlite(join(dirB, "felund.sqlite")));
const got = held.countChatMessages(circleId);
held.sql.close();
console.log(
  `join of ${N.toLocaleString()} (felund join, process start to exit): ${(wall / 1000).toFixed(1)} s, ${Math.round(got / (wall / 1000)).toLocaleString()} messages/s; first page (50 held) after ${(firstPage / 1000).toFixed(2)} s; CPU: joiner ${(bobCpu / 1000).toFixed(1)} s (its verify workers included; ~${((bobMain * 1000) / HZ / 1000).toFixed(1)} s of it on its main thread, sampled every 50 ms), alice serving ${(aliceCpu / 1000).toFixed(1)} s; peak RSS joiner ${(peak.bob / 1024).toFixed(0)} MiB, alice ${(peak.alice / 1024).toFixed(0)} MiB; bob holds ${got.toLocaleString()}; last line "${lastLine}"`,
);
console.log(`load average after: ${load()}`);
rmSync(root, { recursive: true, force: true });
