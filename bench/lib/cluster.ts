// A circle of N real nodes for the benches: node 1 creates the circle, the others join with
// its invite code, and we wait until every node lists the other N-1 with an address. Each
// node's WebSocket is watched so a bench can time when a message is stored where.
import { api, startNode, type BenchNode } from "./node-proc.ts";

export interface Cluster {
  nodes: BenchNode[];
  circleId: string;
  /** the protocol node 1 speaks with its peers, as its peers list says ("ext", "v1", "v2") */
  proto: string;
  /** resolves with the performance.now() at which `node` reported storing a message with `text` */
  storedAt(node: number, text: string, timeoutMs: number): Promise<number>;
  /** TCP exchanges so far (each is reported by both of its ends as a "sync" event) */
  exchanges(): number;
  close(): void;
}

export async function startCluster(n: number, intervalS: number, tag: string): Promise<Cluster> {
  const nodes = await Promise.all(Array.from({ length: n }, (_, i) => startNode(`${tag}-n${i + 1}`, intervalS)));
  const { circleId } = await api(nodes[0]!, "POST", "/circles", { name: `bench ${tag}` });
  const { code } = await api(nodes[0]!, "GET", `/circles/${circleId}/invite`);
  for (const x of nodes.slice(1)) {
    const j = await api(x, "POST", "/circles/join", { code });
    if (!j.synced) throw new Error(`${x.name} joined but did not sync with ${nodes[0]!.name}`);
  }
  await waitForMesh(nodes, circleId);
  const watchers = await Promise.all(nodes.map(watch));
  const { peers } = await api(nodes[0]!, "GET", `/circles/${circleId}/peers`);
  const proto = [...new Set(peers.map((p: { proto: string }) => p.proto || "?"))].join("/");
  return {
    nodes,
    circleId,
    proto,
    storedAt: (i, text, timeoutMs) => watchers[i]!.storedAt(text, timeoutMs),
    exchanges: () => watchers.reduce((s, w) => s + w.syncs(), 0) / 2,
    close: () => watchers.forEach((w) => w.ws.close()),
  };
}

/** Wait until every node knows the other n-1 with an address; a sync round speeds up gossip. */
async function waitForMesh(nodes: BenchNode[], circleId: string): Promise<void> {
  const t0 = performance.now();
  for (;;) {
    const lists = await Promise.all(nodes.map((x) => api(x, "GET", `/circles/${circleId}/peers`)));
    if (lists.every((l) => l.peers.filter((p: { addr: string }) => p.addr).length >= nodes.length - 1)) return;
    if (performance.now() - t0 > 30_000)
      throw new Error(`peers did not converge: ${lists.map((l) => l.peers.length).join(", ")}`);
    await Promise.all(nodes.map((x) => api(x, "POST", "/sync", { circleId })));
    await Bun.sleep(200);
  }
}

function watch(node: BenchNode) {
  const seen = new Map<string, number>();
  const waiting = new Map<string, (t: number) => void>();
  let syncs = 0;
  const ws = new WebSocket(`${node.api.replace(/^http/, "ws")}/api/ws?token=${node.token}`);
  ws.onmessage = (ev) => {
    const now = performance.now();
    const e = JSON.parse(String(ev.data));
    if (e.t === "sync") syncs++;
    if (e.t !== "message" || typeof e.message?.text !== "string") return;
    const text = e.message.text as string;
    if (seen.has(text)) return;
    seen.set(text, now);
    waiting.get(text)?.(now);
  };
  const storedAt = (text: string, timeoutMs: number) =>
    new Promise<number>((resolve) => {
      const t = seen.get(text);
      if (t !== undefined) return resolve(t);
      const timer = setTimeout(() => {
        waiting.delete(text);
        resolve(Infinity);
      }, timeoutMs);
      waiting.set(text, (at) => {
        clearTimeout(timer);
        waiting.delete(text);
        resolve(at);
      });
    });
  return new Promise<{ ws: WebSocket; storedAt: typeof storedAt; syncs: () => number }>((resolve, reject) => {
    ws.onerror = () => reject(new Error(`WebSocket to ${node.name} failed`));
    // the node greets every client with {"t":"hello"}; after that, events are live
    ws.addEventListener("message", function hello(ev) {
      if (JSON.parse(String(ev.data)).t === "hello") {
        ws.removeEventListener("message", hello);
        resolve({ ws, storedAt, syncs: () => syncs });
      }
    });
  });
}
