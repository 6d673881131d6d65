// A member that asks and never reads (issue 12, item 4), against a real node over loopback:
// a v2 member sends WANT after WANT for the whole history and reads none of the answers; a v1
// member sends MSGS_REQ and reads nothing. The node's queue for that connection stays under
// the pause mark plus one answer, the node stops serving it, and drops it once it has read
// nothing for the stall time.
import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import type { Socket } from "bun";
import { fromHex } from "../../src/protocol/bytes.ts";
import { OUT_QUEUE_PAUSE_BYTES } from "../../src/protocol/limits.ts";
import type { FelundNode } from "../../src/node/node.ts";
import type { LineConn } from "../../src/node/line-conn.ts";
import * as svc from "../../src/node/service.ts";
import { V2Exchange } from "../../src/sync/v2-exchange.ts";
import { startV2Node, waitFor } from "./helpers.ts";

setDefaultTimeout(60_000);

const nodes: FelundNode[] = [];
const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
  while (nodes.length) nodes.pop()!.stop();
});

/** The node's inbound connection that is not `except` (the member's own live session). */
const inboundConn = (n: FelundNode, except: LineConn[] = []): LineConn | undefined =>
  n.inboundSlots.holders().find((c) => !except.includes(c));

test("v2: WANTs whose answers are never read: the node's queue stays bounded, it pauses, then drops the connection", async () => {
  const a = await startV2Node("a", { timeouts: { stallMs: 3000 } });
  const b = await startV2Node("b");
  nodes.push(a, b);
  const { circleId, code } = a.createCircle("club");
  expect((await b.join({ code })).synced).toBe(true);
  // ~2.4 MB of history: one WANT for all of it answers with ~3.2 MB of base64 frames
  const text = "m".repeat(8000);
  for (let i = 0; i < 300; i++) svc.sendMessage(a.ctx, circleId, "general", `${i} ${text}`);
  const ids = a.store.channelMessages(circleId, "general", { limit: 1000 }).map((m) => fromHex(m.msgId));
  expect(ids.length).toBe(300);
  const before = a.inboundSlots.holders();

  // b's keys drive a hand-run v2 session to a over a raw socket
  const ex = V2Exchange.client(b.v2Deps(), circleId, a.listenAddr!);
  let buf = "";
  let sock!: Socket<undefined>;
  const established = new Promise<void>((ok) => {
    void Bun.connect({
      hostname: "127.0.0.1",
      port: a.port,
      socket: {
        open: (s) => {
          sock = s;
          for (const l of ex.start().send) s.write(l + "\n");
        },
        data: (s, chunk) => {
          if (ex.result.established) return;
          buf += new TextDecoder().decode(chunk);
          for (let nl = buf.indexOf("\n"); nl >= 0 && !ex.result.established; nl = buf.indexOf("\n")) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            for (const l of ex.receive(line).send) s.write(l + "\n");
          }
          if (ex.result.established) {
            s.pause();
            ok();
          } // from now on: read nothing
        },
      },
    }).then((s) => cleanup.push(() => s.terminate()));
  });
  await established;
  // each frame sealed anew (session frames carry a counter: a repeated one is a replay)
  const want = () => (ex as unknown as { frame(f: unknown): string }).frame({ t: "want", ids });
  for (let i = 0; i < 40; i++) sock.write(want() + "\n"); // 40 x 3.2 MB of answers asked for
  await waitFor(() => !!inboundConn(a, before)?.isPaused, 20_000, "the node pauses that connection");
  const conn = inboundConn(a, before)!;
  await Bun.sleep(500);
  const oneAnswer = 4 * 1024 * 1024;
  expect(conn.queuedBytes).toBeLessThanOrEqual(OUT_QUEUE_PAUSE_BYTES + oneAnswer);
  expect(conn.peakQueued).toBeLessThanOrEqual(OUT_QUEUE_PAUSE_BYTES + oneAnswer);
  expect(await conn.finished).toMatch(/read nothing/);
  expect(conn.queuedBytes).toBe(0);
  await waitFor(() => !a.inboundSlots.holders().includes(conn), 5000, "its slot is free");
  // the honest member is still served
  b.send(circleId, "general", "still here");
  await waitFor(
    () => a.store.channelMessages(circleId, "general", { limit: 5 }).some((m) => m.text === "still here"),
    5000,
    "a has b's message",
  );
});
