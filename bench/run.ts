// Runs every benchmark in bench/ (each *.ts file here except this one), one after another,
// with their output as is. Exits non-zero if any of them fails to run. `npm run bench`.
import { readdirSync } from "node:fs";
import { join } from "node:path";

const dir = import.meta.dir;
const benches = readdirSync(dir)
  .filter((f) => f.endsWith(".ts") && f !== "run.ts")
  .sort();
const failed: string[] = [];
for (const f of benches) {
  console.log(`\n=== bench/${f}`);
  const p = Bun.spawn([process.execPath, join(dir, f)], {
    cwd: join(dir, ".."),
    stdio: ["inherit", "inherit", "inherit"],
  });
  if ((await p.exited) !== 0) failed.push(f);
}
console.log(
  `\n${benches.length - failed.length} of ${benches.length} benches ran${failed.length ? `; failed: ${failed.join(", ")}` : ""}`,
);
process.exit(failed.length ? 1 : 0);
