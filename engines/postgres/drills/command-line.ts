import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";
import type { Evidence } from "../../../harness/evidence.ts";

const REPO = fileURLToPath(new URL("../../..", import.meta.url));
const reports = await mkdtemp(join(tmpdir(), "dr-drill-procedure-"));
afterAll(() => rm(reports, { recursive: true, force: true }));

/** `dr-drill run` as a user types it, with a config file and nothing else: its exit code and the run's drills. */
export async function drillFromCommandLine(
  config: string,
  args: string[],
): Promise<{ code: number; drills: Evidence[] }> {
  const out = join(reports, String(Date.now()));
  const images = process.env.DR_DRILL_IMAGES ?? "auto";
  const child = spawn(
    process.execPath,
    [
      `${REPO}/bin/dr-drill.js`,
      "run",
      "--config",
      config,
      "--engine",
      "postgres",
      "--reports",
      out,
      "--rows",
      "2000",
      "--writers",
      "2",
      "--images",
      images,
      ...args,
    ],
    { cwd: REPO, stdio: ["ignore", "inherit", "inherit"] },
  );
  const [code] = (await once(child, "exit")) as [number];
  const [run] = await readdir(out).then((d) => d.filter((n) => /^\d{4}-/.test(n)));
  const evidence = JSON.parse(await readFile(join(out, run!, "evidence.json"), "utf8")) as { drills: Evidence[] };
  return { code, drills: evidence.drills };
}

export const checkOf = (e: Evidence, name: string) => e.checks.find((c) => c.name === name);
