// Ed25519 checks off the node's main thread (issue 17): a small pool of Bun Workers
// (verify-worker.ts) that a streamed fill's batches are split over, so a joiner's signature
// checks run on the other core while the main thread stores the frames already checked
// (V2Deps.verifier, V2Exchange's inbox). The pool only ever says "this one verifies": anything
// it cannot vouch for (a bad signature, a worker that crashed, exited or stalled, a pool that
// never started) comes back false, and the engine checks that message inline as it always did,
// so nothing unverified is stored whatever the workers do. A worker that fails is not used
// again; once none is left, every batch answers false at once (inline checks only).
import type { SigCheck } from "../protocol/primitives.ts";
import type { SigVerifier } from "../sync/v2-types.ts";

/** a batch a worker has not answered in this long is given up (answered false, the worker dropped) */
const STALL_MS = 30_000;
/** batches smaller than this go to one worker (splitting costs more than it saves) */
const SPLIT_MIN = 64;

interface Slot {
  worker: Worker;
  alive: boolean;
  pending: Map<number, { n: number; done: (ok: boolean[]) => void; timer: ReturnType<typeof setTimeout> }>;
}

/**
 * The worker script: beside this module when run from the source; in the single executable
 * (`npm run build:bin`, which adds src/node/verify-worker.ts as an entrypoint) it is bundled at
 * the path that file has under src/, inside the executable's own file system ($bunfs).
 */
export const WORKER_SCRIPT: URL | string = import.meta.url.includes("/$bunfs/")
  ? "/$bunfs/root/node/verify-worker.js"
  : new URL("./verify-worker.ts", import.meta.url);

export class VerifyPool implements SigVerifier {
  private slots: Slot[] = [];
  private nextId = 1;
  private turn = 0;
  /** checks answered by a worker, and how many verified (tests, benchmarks) */
  readonly stats = { asked: 0, verified: 0, failed: 0 };

  constructor(
    size = 2,
    /** the worker script (tests give a failing one) */
    url: URL | string = WORKER_SCRIPT,
    private stallMs = STALL_MS,
  ) {
    for (let i = 0; i < size; i++) {
      let worker: Worker;
      try {
        worker = new Worker(url);
      } catch {
        continue; // no worker at all (a build without the script): inline checks
      }
      const slot: Slot = { worker, alive: true, pending: new Map() };
      worker.onmessage = (e: MessageEvent<{ id: number; ok: Uint8Array }>) => {
        const p = slot.pending.get(e.data.id);
        if (!p) return;
        slot.pending.delete(e.data.id);
        clearTimeout(p.timer);
        const ok = Array.from({ length: p.n }, (_, i) => e.data.ok?.[i] === 1);
        this.stats.asked += p.n;
        this.stats.verified += ok.filter(Boolean).length;
        p.done(ok);
      };
      worker.onerror = () => this.fail(slot);
      worker.addEventListener("close", () => this.fail(slot));
      (worker as Worker & { unref(): void }).unref();
      this.slots.push(slot);
    }
  }

  /** workers still in use */
  get size(): number {
    return this.slots.filter((s) => s.alive).length;
  }

  verify(checks: readonly SigCheck[]): Promise<boolean[]> {
    const live = this.slots.filter((s) => s.alive);
    // only a 32-byte key and a 64-byte signature go to OpenSSL; anything else is checked inline
    const sent = checks.flatMap((c, i) => (c.pub.length === 32 && c.sig.length === 64 ? [i] : []));
    if (!sent.length || !live.length) return Promise.resolve(checks.map(() => false));
    const parts = sent.length < SPLIT_MIN ? 1 : live.length;
    const per = Math.ceil(sent.length / parts);
    const answers: Promise<boolean[]>[] = [];
    for (let i = 0; i < sent.length; i += per) {
      const slot = live[this.turn++ % live.length]!;
      answers.push(
        this.ask(
          slot,
          sent.slice(i, i + per).map((k) => checks[k]!),
        ),
      );
    }
    return Promise.all(answers).then((a) => {
      const ok = checks.map(() => false);
      a.flat().forEach((v, j) => {
        ok[sent[j]!] = v;
      });
      return ok;
    });
  }

  /** Stop the workers (node shutdown); batches in flight answer false. */
  close(): void {
    for (const s of this.slots) {
      this.fail(s, false);
      s.worker.terminate();
    }
  }

  private ask(slot: Slot, checks: SigCheck[]): Promise<boolean[]> {
    let size = 0;
    for (const c of checks) size += 100 + c.msg.length;
    const buf = new ArrayBuffer(size);
    const b = new Uint8Array(buf);
    const dv = new DataView(buf);
    let o = 0;
    for (const c of checks) {
      dv.setUint32(o, c.msg.length);
      b.set(c.pub, o + 4);
      b.set(c.sig, o + 36);
      b.set(c.msg, o + 100);
      o += 100 + c.msg.length;
    }
    const id = this.nextId++;
    return new Promise((done) => {
      const timer = setTimeout(() => {
        if (!slot.pending.has(id)) return;
        this.fail(slot);
        slot.worker.terminate();
      }, this.stallMs);
      slot.pending.set(id, { n: checks.length, done, timer });
      try {
        slot.worker.postMessage({ id, buf, n: checks.length }, [buf]);
      } catch {
        this.fail(slot);
      }
    });
  }

  /** A worker crashed, exited or stalled: its batches answer false (checked inline), and it gets no more. */
  private fail(slot: Slot, failed = true): void {
    if (slot.alive && failed) this.stats.failed++;
    slot.alive = false;
    for (const [id, p] of slot.pending) {
      clearTimeout(p.timer);
      slot.pending.delete(id);
      p.done(new Array(p.n).fill(false));
    }
  }
}

/** a lazy pool's workers stop after this long without a batch (their memory back at rest) */
const IDLE_MS = 15_000;

/**
 * The node's verifier: a pool of two workers (the machine's two cores: the other one checks
 * while the main thread stores), started at the first batch and stopped when idle.
 */
export function lazyVerifier(
  size = 2,
  idleMs = IDLE_MS,
): SigVerifier & { readonly running: boolean; readonly stats: { asked: number; verified: number } } {
  let pool: VerifyPool | null = null;
  /** over every pool this verifier started (the node's /metrics) */
  const stats = { asked: 0, verified: 0 };
  let idle: ReturnType<typeof setTimeout> | undefined;
  let inFlight = 0;
  const settle = () => {
    if (--inFlight > 0) return;
    clearTimeout(idle);
    idle = setTimeout(() => {
      if (inFlight) return;
      pool?.close();
      pool = null;
    }, idleMs);
    (idle as { unref?: () => void }).unref?.();
  };
  return {
    get running() {
      return pool !== null;
    },
    stats,
    verify(checks) {
      if (!checks.length) return Promise.resolve([]);
      pool ??= new VerifyPool(size);
      inFlight++;
      return pool
        .verify(checks)
        .then((ok) => {
          stats.asked += checks.length;
          stats.verified += ok.filter(Boolean).length;
          return ok;
        })
        .finally(settle);
    },
  };
}
