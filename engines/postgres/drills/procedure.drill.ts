import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { Evidence } from "../../../harness/evidence.ts";
import { missingImage, skipUnless } from "../../../test/drills/support.ts";

const REPO = fileURLToPath(new URL("../../..", import.meta.url));
const reports = await mkdtemp(join(tmpdir(), "dr-drill-procedure-"));
afterAll(() => rm(reports, { recursive: true, force: true }));

/** `dr-drill run` as a user types it, with a config file and nothing else: its exit code and the run's drills. */
async function drillFromCommandLine(config: string, args: string[]): Promise<{ code: number; drills: Evidence[] }> {
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

const checkOf = (e: Evidence, name: string) => e.checks.find((c) => c.name === name);

describe("postgres: a procedure written only in a config file, drilled from the command line", () => {
  it("the example pg_dump procedure restores under load, and an older dump is detected, by the user's own check too", async (ctx) => {
    skipUnless(ctx, await missingImage("postgres"));
    const { code, drills } = await drillFromCommandLine("examples/pg-dump.config.ts", [
      "--method",
      "nightly-dump",
      "--scenario",
      "load,older-backup",
    ]);
    const [load, older] = [
      drills.find((d) => d.scenario === "load")!,
      drills.find((d) => d.scenario === "older-backup")!,
    ];
    expect(load).toMatchObject({ verdict: "pass", scope: { backupMethod: "nightly-dump" } });
    expect(load.scope.backupTool).toContain("procedure nightly-dump (pg_dump: pg_dump -Fc -f nightly.pgdump)");
    expect(load.workload?.ok).toBeGreaterThan(0);
    expect(checkOf(load, "user:transfers-restored")).toMatchObject({ valid: true });
    expect(checkOf(load, "user:accounts-opened")).toMatchObject({ valid: true, summary: '"64", as expected' });
    expect(older).toMatchObject({
      verdict: "fail",
      expectation: { outcome: "detects", met: true, observed: "detected" },
    });
    expect(checkOf(older, "user:transfers-restored")).toMatchObject({ valid: false });
    expect(code).toBe(0);
  });

  it("a backup step that exits non-zero is the procedure's failure with its output; a hanging restore step is ended at its deadline", async (ctx) => {
    skipUnless(ctx, await missingImage("postgres"));
    const fixture = "engines/postgres/drills/fixtures/failing-procedures.config.ts";
    const { code, drills } = await drillFromCommandLine(fixture, [
      "--method",
      "broken-backup,hanging-restore",
      "--scenario",
      "load",
    ]);
    expect(code).toBe(1);
    const broken = drills.find((d) => d.scope.backupMethod === "broken-backup")!;
    // Not undecided: the procedure failed, a finding about the runbook.
    expect(broken.verdict).toBe("fail");
    expect(checkOf(broken, "backup")).toMatchObject({
      valid: false,
      summary: expect.stringMatching(/procedure step upload exited 3: .*bucket quota exceeded/),
    });
    expect(broken.expectation).toMatchObject({ met: false });
    const hanging = drills.find((d) => d.scope.backupMethod === "hanging-restore")!;
    expect(hanging.verdict).toBe("fail");
    expect(hanging.restoreAttempts[0]).toMatchObject({
      ok: false,
      summary: expect.stringMatching(/procedure step fetch ran past its deadline/),
    });
    expect(hanging.expectation).toMatchObject({ met: false });
  });
});
