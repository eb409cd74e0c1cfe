import { describe, expect, it } from "vitest";
import { missingImage, skipUnless } from "../../../test/drills/support.ts";
import { ImageResolver, parseImageMode } from "../../../harness/runtime/images.ts";
import { withToolbox } from "../../../harness/runtime/toolbox.ts";
import { postgresImageSpec } from "../../../protocols/pg/image.ts";
import type { Evidence } from "../../../harness/evidence.ts";
import { checkOf, drillFromCommandLine } from "./command-line.ts";

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

/** Every drill of a run from the command line, by method and scenario. */
const drillOf = (drills: Evidence[]) => (method: string, scenario: string) =>
  drills.find((d) => d.scope.backupMethod === method && d.scenario === scenario)!;

/** The README's pgBackRest example (examples/pgbackrest.config.ts), drilled from the command line as users run it. */
describe("postgres: pgBackRest drilled for real, from examples/pgbackrest.config.ts", () => {
  it("a full backup, and an incremental after more writes, taken under load, restore with pgbackrest restore", async (ctx) => {
    skipUnless(ctx, await missingPgbackrest());
    const { code, drills } = await drillFromCommandLine("examples/pgbackrest.config.ts", [
      "--method",
      "pgbackrest-full,pgbackrest-incr",
    ]);
    const drill = drillOf(drills);
    for (const method of ["pgbackrest-full", "pgbackrest-incr"]) {
      const load = drill(method, "load");
      expect(load, method).toMatchObject({ verdict: "pass", expectation: { met: true } });
      expect(load.scope.backupTool).toContain(
        "pgbackrest --config=/dr-drill/artifact/pgbackrest.conf --stanza=drill backup --type=full",
      );
      expect(load.workload?.ok).toBeGreaterThan(0);
      expect(checkOf(load, "ledger-oracle")).toMatchObject({ valid: true });
      expect(load.restoreAttempts[0]!.summary).toMatch(/pgbackrest-restore: pgbackrest .* restore --type=immediate/);
    }
    expect(drill("pgbackrest-incr", "load").scope.backupTool).toMatch(/backup-full: .*backup-incr: .* --type=incr/);
    expect(code).toBe(0);
  });

  it("an incremental without its full, a flipped byte and missing WAL are refused by pgBackRest or the server", async (ctx) => {
    skipUnless(ctx, await missingPgbackrest());
    const { code, drills } = await drillFromCommandLine("examples/pgbackrest.config.ts", [
      "--method",
      "pgbackrest-incr",
      "--scenario",
      "pgbackrest-full-deleted,pgbackrest-flip-byte,pgbackrest-missing-wal",
    ]);
    const drill = drillOf(drills);
    const refused = (scenario: string) => {
      const d = drill("pgbackrest-incr", scenario);
      // Met means: no node came up, the restore said the stated reason, the backup was proven untouched.
      expect(d.expectation, scenario).toMatchObject({ outcome: "refuses", met: true, observed: "refused" });
      return d.restoreAttempts[0]!;
    };
    // pgBackRest itself refuses: its restore step exits with its own ERROR [code].
    expect(refused("pgbackrest-full-deleted").summary).toMatch(
      /^procedure step pgbackrest-restore exited \d+: .*ERROR: \[\d+\]: .*unable to open missing file '.*\d{8}-\d{6}F\//,
    );
    expect(refused("pgbackrest-flip-byte").summary).toMatch(
      /^procedure step pgbackrest-restore exited \d+: .*ERROR: \[\d+\]: .*actual checksum '[0-9a-f]+' does not match expected checksum '[0-9a-f]+'/,
    );
    // pgBackRest restores what it holds; the server, fetching WAL with archive-get, cannot reach consistency.
    expect(refused("pgbackrest-missing-wal").summary).toMatch(/^server exited with code \d+: /);
    expect(code).toBe(0);
  });
});
