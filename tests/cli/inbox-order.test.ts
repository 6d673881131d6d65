// `felund inbox` lists a channel in the display order of every front end (time to the
// millisecond, then the order this node stored the messages) and marks a message that arrived
// late, in text and in --json.
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { openSqlite } from "../../db/sqlite.ts";
import { NodeStore } from "../../db/node-store.ts";
import { felund, freePort, removeTempDirs, tempDir } from "./helpers.ts";

afterAll(removeTempDirs);
setDefaultTimeout(60_000);

test("inbox: one second's messages in the order stored (not by msg_id); a late one placed by its time and marked", async () => {
  const d = tempDir();
  await felund(d, "init", "--bind", "127.0.0.1", "--port", String(freePort()), "--name", "alice");
  const { circleId } = JSON.parse((await felund(d, "invite", "--name", "club", "--legacy", "--json")).stdout);
  const store = new NodeStore(openSqlite(`${d}/felund.sqlite`));
  const now = Math.floor(Date.now() / 1000);
  const put = (id: string, text: string, ts: number, late = false) =>
    store.insertMessage(
      {
        msgId: id.repeat(32),
        circleId,
        channelId: "general",
        authorNodeId: "eeee11112222333344445555",
        displayName: "eve",
        createdTs: ts,
        text,
        mac: "00".repeat(32),
      },
      { origin: "test", receivedAt: now, sortTs: ts, sortMs: ts * 1000, late },
    );
  put("c", "first", now - 50);
  put("b", "second", now - 50);
  put("a", "third", now - 50);
  put("d", "later on", now - 10);
  put("0", "written earlier, arrived now", now - 30, true);
  store.sql.close();

  const json = JSON.parse((await felund(d, "inbox", "--circle-id", circleId, "--json")).stdout) as {
    text: string;
    late: boolean;
  }[];
  const chat = json.filter((m) => m.text !== "");
  expect(chat.map((m) => [m.text, m.late])).toEqual([
    ["first", false],
    ["second", false],
    ["third", false],
    ["written earlier, arrived now", true],
    ["later on", false],
  ]);
  const lines = (await felund(d, "inbox", "--circle-id", circleId)).stdout.trim().split("\n");
  const texts = lines.map((l) => l.replace(/^.*?eve\S*(?: \(unverified\))?/, ""));
  expect(texts.filter((t) => !t.startsWith(" (arrived later"))).toEqual([
    ": first",
    ": second",
    ": third",
    ": later on",
  ]);
  expect(texts[3]).toMatch(/^ \(arrived later, \d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?\): written earlier, arrived now$/);
});
