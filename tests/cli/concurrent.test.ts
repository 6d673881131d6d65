// One-shot commands side by side on a state dir with no node running: they wait for each
// other's database lock (busy timeout, write transactions that take the lock up front), and
// when the lock stays held past that, say so in one line instead of a stack trace.
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { openSqlite } from "../../db/sqlite.ts";
import { felund, removeTempDirs, tempDir, type Result } from "./helpers.ts";

afterAll(removeTempDirs);
setDefaultTimeout(90_000);

const noStack = (r: Result) => expect(r.stderr).not.toMatch(/^\s+at |SQLiteError|\^/m);

test("six one-shots at once on a new state dir all succeed", async () => {
  const d = tempDir();
  const rs = await Promise.all(
    [...Array(6)].map((_, i) => felund(d, ...(i % 2 ? ["circles"] : ["invite", "--name", `c${i}`, "--json"]))),
  );
  for (const r of rs) {
    noStack(r);
    expect([r.code, r.stderr]).toEqual([0, ""]);
  }
  expect(JSON.parse((await felund(d, "circles", "--json")).stdout).length).toBe(3);
});

test("a command that reads, then writes, while another process writes: it waits and succeeds", async () => {
  const d = tempDir();
  openSqlite(`${d}/felund.sqlite`).close(); // migrated, but no identity yet: the command creates it
  const other = openSqlite(`${d}/felund.sqlite`);
  other.exec("BEGIN IMMEDIATE");
  const cmd = felund(d, "circles");
  await Bun.sleep(3000); // the command is (most likely) waiting for the lock by now
  other.exec("INSERT INTO settings (key, value) VALUES ('x', 'y')");
  other.exec("COMMIT");
  const r = await cmd;
  other.close();
  noStack(r);
  expect([r.code, r.stderr]).toEqual([0, ""]);
});

test("a lock held past the busy timeout: one clear line and a non-zero exit", async () => {
  const d = tempDir();
  await felund(d, "invite", "--name", "club");
  const other = openSqlite(`${d}/felund.sqlite`);
  other.exec("BEGIN IMMEDIATE");
  try {
    const r = await felund(d, "invite", "--name", "another");
    expect(r.code).not.toBe(0);
    noStack(r);
    expect(r.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(
        /^felund invite: the database in .* is busy \(another felund command is writing to it\); try again$/,
      ),
    ]);
  } finally {
    other.exec("ROLLBACK");
    other.close();
  }
});
