import { describe, expect, it } from "vitest";
import { missingImage, skipUnless } from "../../../test/drills/support.ts";
import { checkOf, drillFromCommandLine } from "./command-line.ts";

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
