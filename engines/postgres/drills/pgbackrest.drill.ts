import { describe, expect, it } from "vitest";
import { missingImage, skipUnless } from "../../../test/drills/support.ts";
import { ImageResolver, parseImageMode } from "../../../harness/runtime/images.ts";
import { withToolbox } from "../../../harness/runtime/toolbox.ts";
import { postgresImageSpec } from "../../../protocols/pg/image.ts";
import { drillFromCommandLine } from "./command-line.ts";

/** Why the PostgreSQL image of this run cannot drill pgBackRest (the official image does not ship it), if it cannot. */
async function missingPgbackrest(): Promise<string | undefined> {
  const missing = await missingImage("postgres");
  if (missing) return missing;
  const resolver = new ImageResolver(parseImageMode(process.env.DR_DRILL_IMAGES, "DR_DRILL_IMAGES"), () => {});
  const image = await resolver.resolve(postgresImageSpec("15"));
  const found = await withToolbox({ image: image.ref, labels: {}, volumes: [] }, (box) =>
    box.exec(["sh", "-c", "command -v pgbackrest"]),
  );
  return found.exitCode === 0
    ? undefined
    : `${image.ref} has no pgbackrest (the official image does not ship it): run with DR_DRILL_IMAGES=offline`;
}

/** The README's pgBackRest example (examples/pgbackrest.config.ts), drilled from the command line as users run it. */
describe("postgres: pgBackRest drilled for real, from examples/pgbackrest.config.ts", () => {
  it("full and incremental backups under load restore with pgbackrest restore; its faults are refused by pgBackRest or the server", async (ctx) => {
    skipUnless(ctx, await missingPgbackrest());
    const { code, drills } = await drillFromCommandLine("examples/pgbackrest.config.ts", [
      "--method",
      "pgbackrest-full,pgbackrest-incr",
      "--scenario",
      "load,pgbackrest-full-deleted,pgbackrest-flip-byte,pgbackrest-missing-wal",
    ]);
    const drill = (method: string, scenario: string) =>
      drills.find((d) => d.scope.backupMethod === method && d.scenario === scenario)!;
    for (const method of ["pgbackrest-full", "pgbackrest-incr"]) {
      const load = drill(method, "load");
      expect(load, method).toMatchObject({ verdict: "pass" });
      expect(load.scope.backupTool).toContain("pgbackrest --stanza=drill");
      expect(load.workload?.ok).toBeGreaterThan(0);
    }
    expect(drill("pgbackrest-incr", "load").scope.backupTool).toContain("backup --type=incr");
    // Refused by pgBackRest itself (its restore step, ERROR [code]), the node never up, the backup untouched.
    for (const scenario of ["pgbackrest-full-deleted", "pgbackrest-flip-byte"]) {
      const refused = drill("pgbackrest-incr", scenario);
      expect(refused.expectation, scenario).toMatchObject({ outcome: "refuses", met: true, observed: "refused" });
      expect(refused.restoreAttempts[0]!.summary).toMatch(/^procedure step pgbackrest-restore exited \d+: /);
      expect(refused.restoreAttempts[0]!.logTail).toMatch(/ERROR: \[\d+\]/);
    }
    expect(drill("pgbackrest-incr", "pgbackrest-missing-wal").expectation).toMatchObject({ met: true });
    expect(code).toBe(0);
  });
});
