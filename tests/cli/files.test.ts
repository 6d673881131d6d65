// `felund send --file PATH` and `felund save`: straight on the database, and through a running
// node's local API; the saved file has the sent bytes; a legacy circle and a missing file are
// clear user errors.
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { felund, freePort, removeTempDirs, startFelund, stoppedAfterEach, tempDir } from "./helpers.ts";

afterAll(removeTempDirs);
setDefaultTimeout(60_000);
const procs = stoppedAfterEach();

test("send --file and save: direct and through the running node", async () => {
  const d = tempDir();
  await felund(d, "init", "--bind", "127.0.0.1", "--port", String(freePort()), "--name", "alice");
  const { circleId } = JSON.parse((await felund(d, "invite", "--name", "club", "--json")).stdout);
  const src = join(d, "notes.txt");
  const bytes = new Uint8Array(70_000).map((_, i) => 32 + (i % 90));
  writeFileSync(src, bytes);

  const sent = await felund(d, "send", "--circle-id", circleId, "--file", src, "--caption", "read me");
  expect(sent.code).toBe(0);
  const msgId = /stored ([0-9a-f]{32}): notes\.txt \(70 kB\); it goes out when a node runs/.exec(sent.stdout)?.[1];
  expect(msgId).toBeDefined();
  const out1 = join(d, "copy1.txt");
  const saved = await felund(d, "save", "--circle-id", circleId, msgId!, out1);
  expect(saved.stdout.trim()).toBe(`saved 70 kB to ${out1}`);
  expect(Buffer.from(readFileSync(out1)).equals(Buffer.from(bytes))).toBe(true);
  expect((await felund(d, "save", "--circle-id", circleId, msgId!, out1)).stderr).toMatch(/exists already/);

  procs.push(await startFelund(d, ["run"], /local API (http:\/\/\S+);/));
  const viaNode = await felund(d, "send", "--circle-id", circleId, "--file", src);
  expect(viaNode.stdout).toMatch(/sent [0-9a-f]{32}: notes\.txt \(70 kB\), its chunks served by the running node/);
  const id2 = /sent ([0-9a-f]{32})/.exec(viaNode.stdout)![1]!;
  const out2 = join(d, "copy2.txt");
  expect((await felund(d, "save", "--circle-id", circleId, id2, out2)).code).toBe(0);
  expect(Buffer.from(readFileSync(out2)).equals(Buffer.from(bytes))).toBe(true);

  const missing = await felund(d, "send", "--circle-id", circleId, "--file", join(d, "nope.bin"));
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/no such file/);
});

test("send --file in a legacy circle: refused, nothing stored", async () => {
  const d = tempDir();
  await felund(d, "init", "--bind", "127.0.0.1", "--port", String(freePort()), "--name", "bob");
  const { circleId } = JSON.parse((await felund(d, "invite", "--name", "old", "--legacy", "--json")).stdout);
  writeFileSync(join(d, "a.txt"), "hi");
  const r = await felund(d, "send", "--circle-id", circleId, "--file", join(d, "a.txt"));
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/attachments need a v2 circle/);
});
