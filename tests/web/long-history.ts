// A node with a long history for the message-log tests and bench/web-scroll.ts: `felund serve`
// creates a circle, stops; its own store (NodeStore, the node's migrations and FTS triggers) gets
// `n` chat messages in #general through insertMessage, in transactions of 10,000; the node is
// served again. Messages are a minute apart (days roll over: day separators), from six authors
// (runs of one author: grouped rows), one of the node itself; lengths vary (one line to a
// paragraph; now and then three lines) so row heights differ. Message i says "line i" and holds
// the word `k<i>z` (searchable alone).
import { NodeStore } from "../../db/node-store.ts";
import { closeSqlite, openSqlite } from "../../db/sqlite.ts";
import { dbPath } from "../../src/node/runtime.ts";
import { felund, startFelund, tempDir } from "../cli/helpers.ts";
import { api, type ServeNode } from "./browser.ts";

const BATCH = 10_000;
const WORDS =
  "the a to and you it is of in that for on we be this at have so but not with are just was do can what get up if all go out about like one know now will your there time when think good how see back well today really then ok sure thanks maybe tomorrow meeting lunch call later work home need want going got make right new here from come still people day week night something tonight check again weekend".split(
    " ",
  );

/** The id of message i. */
export const lineId = (i: number) => `e${i.toString(16).padStart(31, "0")}`;

/** The text of message i (deterministic). */
export function lineText(i: number): string {
  let s = (i * 2654435761) >>> 0;
  const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
  const n = i % 11 === 0 ? 60 : i % 5 === 0 ? 25 : 3 + (next() % 10);
  const words = Array.from({ length: n }, () => WORDS[next() % WORDS.length]!);
  const body = i % 37 === 0 ? `${words.slice(0, 4).join(" ")}\n${words.slice(4, 8).join(" ")}\nend` : words.join(" ");
  return `line ${i} k${i}z ${body}`;
}

const serveArgs = ["serve", "--http", "127.0.0.1:0", "--port", "0", "--interval", "1"];
const READY = /open (http:\/\/127\.0\.0\.1:\d+)\/#token=([0-9a-f]{64})/;

async function serve(dir: string): Promise<ServeNode> {
  const run = await startFelund(dir, serveArgs, READY, 60_000);
  const base = run.match[1]!;
  const token = run.match[2]!;
  return { dir, base, token, url: `${base}/#token=${token}`, run, stop: () => run.proc.kill() };
}

export interface LongHistory {
  node: ServeNode;
  circleId: string;
  code: string;
  nodeId: string;
  fillS: number;
}

/** A served node whose circle "long" holds `n` messages in #general (plus what `before` posts first). */
export async function startWithHistory(
  n: number,
  before?: (node: ServeNode, circleId: string, code: string) => Promise<void>,
) {
  const dir = tempDir();
  const init = await felund(dir, "init", "--bind", "127.0.0.1", "--name", "vera");
  if (init.code !== 0) throw new Error(`init failed: ${init.stderr}`);
  const first = await serve(dir);
  const made = await api(first, "POST", "/circles", { name: "long" });
  const circleId = made.circleId as string;
  const nodeId = (await api(first, "GET", "/state")).node.nodeId as string;
  await before?.(first, circleId, made.code);
  first.run.proc.kill("SIGTERM");
  await first.run.proc.exited;

  const t0 = performance.now();
  const db = openSqlite(dbPath(dir));
  const store = new NodeStore(db);
  const authors = [nodeId, ...Array.from({ length: 5 }, (_, a) => `${a + 1}`.repeat(24).slice(0, 24))];
  const end = Math.floor(Date.now() / 1000) - 3600;
  let author = 0;
  for (let b = 0; b < n; b += BATCH)
    store.transaction(() => {
      for (let i = b; i < Math.min(n, b + BATCH); i++) {
        if (i % 4 === 0) author = (author * 7 + i) % authors.length; // runs of one author
        const ts = end - (n - i) * 60;
        store.insertMessage(
          {
            msgId: lineId(i),
            circleId,
            channelId: "general",
            authorNodeId: authors[author]!,
            displayName: author === 0 ? "vera" : `user${author}`,
            createdTs: ts,
            text: lineText(i),
            mac: null,
          },
          { origin: "bench", receivedAt: ts, sortTs: ts, sortMs: ts * 1000 },
        );
      }
    });
  closeSqlite(db);
  const fillS = (performance.now() - t0) / 1000;
  const node = await serve(dir);
  return { node, circleId, code: made.code as string, nodeId, fillS } satisfies LongHistory;
}
