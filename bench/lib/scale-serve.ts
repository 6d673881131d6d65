// bench/scale.ts's join with one node per process (issue 17: "RSS < 300 MB while serving a
// join"). `serveJoin` starts two processes of this file:
//   serve DB CIRCLE        a FelundNode on the member's database (loopback, port 0): prints its
//                          port, samples its own RSS every 50 ms, and on "report" (stdin) prints
//                          JSON: RSS at rest (set built, full GC), peak RSS while serving, CPU
//   join DB CIRCLE SECRET OWNER PORT NOW
//                          a new member's v2 engine (V2Exchange, the node's code, native crypto)
//                          on a fresh database, dialling that port over TCP: it receives the whole
//                          history as a streamed fill (§23), verifies and stores it, then prints JSON
// and reports both. The joiner's speed is not this measurement's subject (it is the other side).
import type { Socket } from "bun";
import { NodeStore } from "../../db/node-store.ts";
import { openSqlite } from "../../db/sqlite.ts";
import { saveSettings } from "../../src/node/identity.ts";
import { installNativePrimitives, nodeZip } from "../../src/node/native-primitives.ts";
import { systemRng as randomBytes } from "../../src/protocol/crypto.ts";
import { nodeKeysFromSeed } from "../../src/protocol/v2/keys.ts";
import { CallRegistry } from "../../src/sync/control-apply.ts";
import { V2Exchange, type V2Deps } from "../../src/sync/v2-exchange.ts";

export interface ServeFigures {
  items: number;
  rssRest: number;
  rssPeak: number;
  /** the JS heap in use at the peak, and when it came (ms from the server's start of serving) */
  heapAtPeak: number;
  peakAtMs: number;
  /** after the join, once a full GC ran */
  rssAfterGc: number;
  heapAfterGc: number;
  /** RSS every 10 s while serving, MiB */
  series: number[];
  serveCpuMs: number;
  joinMs: number;
  joinCpuMs: number;
  got: number;
  bytes: number;
}

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function serve(dbPath: string, circleId: string): Promise<void> {
  installNativePrimitives();
  const store = new NodeStore(openSqlite(dbPath));
  saveSettings(store, { bind: "127.0.0.1", port: 0, displayName: "server" });
  const { FelundNode } = await import("../../src/node/node.ts");
  const node = new FelundNode({ store, bind: "127.0.0.1", port: 0 });
  await node.start();
  // the set a first session builds, before the joiner arrives
  const items = store.reconItems(circleId, { maxEpoch: 0, legacy: false })?.size ?? 0;
  Bun.gc(true);
  await Bun.sleep(500);
  Bun.gc(true);
  const rssRest = process.memoryUsage().rss;
  let rssPeak = rssRest;
  let heapAtPeak = 0;
  let peakAtMs = 0;
  const w0 = performance.now();
  /** RSS every 10 s (MiB), to tell a steady climb from a spike */
  const series: number[] = [];
  let ticks = 0;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    if (m.rss > rssPeak) [rssPeak, heapAtPeak, peakAtMs] = [m.rss, m.heapUsed, performance.now() - w0];
    if (++ticks % 200 === 0) series.push(Math.round(m.rss / 1048576));
  }, 50);
  const c0 = cpu();
  console.log(JSON.stringify({ port: node.port }));
  for await (const line of console) {
    if (line.trim() !== "report") continue;
    clearInterval(timer);
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    const serveCpuMs = cpu() - c0;
    // what of the peak a full collection gives back: garbage not yet collected, or memory kept
    Bun.gc(true);
    const after = process.memoryUsage();
    console.log(
      JSON.stringify({
        items,
        rssRest,
        rssPeak,
        heapAtPeak,
        peakAtMs,
        serveCpuMs,
        rssAfterGc: after.rss,
        heapAfterGc: after.heapUsed,
        series,
      }),
    );
    node.stop();
    process.exit(0);
  }
}

async function joinOver(
  dbPath: string,
  circleId: string,
  secret: string,
  owner: string,
  port: number,
  now: number,
): Promise<void> {
  installNativePrimitives();
  const store = new NodeStore(openSqlite(dbPath));
  store.addCircle({
    circleId,
    secretHex: secret,
    name: "big",
    owned: false,
    bootstrap: "",
    mode: "v2",
    keyEpoch: 0,
    joinedAt: now,
  });
  store.setCircleOwner(circleId, owner);
  const addr = "127.0.0.1:1";
  const deps: V2Deps = {
    store,
    calls: new CallRegistry(),
    // the bench's clock (its history is dated from it)
    now: () => now,
    rng: randomBytes,
    self: { keys: nodeKeysFromSeed(randomBytes(32)), listenAddr: addr, isSelfAddr: (a) => a === addr },
    zip: nodeZip,
  };
  const ex = V2Exchange.client(deps, circleId, `127.0.0.1:${port}`);
  const t0 = performance.now();
  const c0 = cpu();
  let bytes = 0;
  let got = 0;
  await new Promise<void>((resolve, reject) => {
    let buf = "";
    let sock: Socket | null = null;
    const send = (lines: string[]) => {
      for (const l of lines) sock?.write(`${l}\n`);
    };
    const finish = () => {
      sock?.end();
      resolve();
    };
    Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        open(s) {
          sock = s;
          send(ex.start().send);
        },
        data(_s, chunk) {
          bytes += chunk.length;
          buf += chunk.toString();
          let nl = buf.indexOf("\n");
          while (nl >= 0) {
            const step = ex.receive(buf.slice(0, nl));
            buf = buf.slice(nl + 1);
            send(step.send);
            got += step.stored?.length ?? 0;
            if (step.close) return step.close.error ? reject(new Error(step.close.reason)) : finish();
            if (step.fill?.done) return finish();
            nl = buf.indexOf("\n");
          }
        },
        error: (_s, e) => reject(e),
        close: () => resolve(),
      },
    }).catch(reject);
  });
  const r = ex.result;
  const rejected = r.rejected.length;
  const why = r.rejected[0]?.reason ?? "";
  console.log(
    JSON.stringify({ joinMs: performance.now() - t0, joinCpuMs: cpu() - c0, got, bytes, rejected, why, fill: r.fill }),
  );
  process.exit(0);
}

/** One serving node and one joiner, each a process of its own; the server's RSS while it serves. */
export async function serveJoin(
  dbPath: string,
  joinerDb: string,
  circleId: string,
  secret: string,
  owner: string,
  now: number,
) {
  const self = import.meta.path;
  const srv = Bun.spawn([process.execPath, self, "serve", dbPath, circleId], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
  });
  const out = srv.stdout.getReader();
  let text = "";
  const nextJson = async (): Promise<Record<string, number>> => {
    for (;;) {
      const nl = text.indexOf("\n");
      if (nl >= 0) {
        const line = text.slice(0, nl);
        text = text.slice(nl + 1);
        if (line.startsWith("{")) return JSON.parse(line);
        continue;
      }
      const r = await out.read();
      if (r.done) throw new Error("scale-serve: the server ended early");
      text += new TextDecoder().decode(r.value);
    }
  };
  const { port } = await nextJson();
  const j = Bun.spawnSync(
    [process.execPath, self, "join", joinerDb, circleId, secret, owner, String(port), String(now)],
    {
      stderr: "pipe",
    },
  );
  const joined = JSON.parse(j.stdout.toString().trim().split("\n").at(-1) || "{}");
  srv.stdin.write("report\n");
  srv.stdin.flush();
  const served = await nextJson();
  srv.kill();
  if (!joined.joinMs) throw new Error(`scale-serve: the join failed: ${j.stderr.toString().slice(0, 500)}`);
  return { ...served, ...joined } as unknown as ServeFigures;
}

if (import.meta.main) {
  const [mode, ...a] = process.argv.slice(2);
  if (mode === "serve") await serve(a[0]!, a[1]!);
  else if (mode === "join") await joinOver(a[0]!, a[1]!, a[2]!, a[3]!, Number(a[4]), Number(a[5]));
}
