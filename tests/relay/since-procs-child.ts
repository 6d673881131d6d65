// Child process of since-procs.test.ts: one relay "process" on a shared database file.
//   writer PATH MS   posts one envelope every ~25 ms for MS milliseconds, prints how many it stored
//   holder PATH N    takes the write lock N times for 1.3 s each (a slow writer of another process)
import { Database } from "bun:sqlite";
import { openDb } from "../../db/client.ts";
import { createRelayApp } from "../../src/relay/app.ts";
import { HINT, envelope } from "./helpers.ts";

const [role, path, arg] = process.argv.slice(2);
if (role === "writer") {
  const app = createRelayApp({ db: openDb(path!), config: { rate: false, docs: false } });
  const end = Date.now() + Number(arg);
  let stored = 0;
  while (Date.now() < end) {
    const r = await app.handle(
      new Request("http://localhost/v1/messages", {
        method: "POST",
        body: JSON.stringify({ circle_hint: HINT, messages: [envelope()] }),
      }),
    );
    stored += ((await r.json()) as { stored: number }).stored;
    await Bun.sleep(25);
  }
  console.log(stored);
} else if (role === "holder") {
  const db = new Database(path!);
  db.exec("PRAGMA busy_timeout = 8000");
  for (let i = 0; i < Number(arg); i++) {
    db.exec("BEGIN IMMEDIATE");
    await Bun.sleep(1300);
    db.exec("COMMIT");
    await Bun.sleep(200 + Math.random() * 300);
  }
  console.log("done");
}
