import { describe, it, expect } from "vitest";
import { PostgresEngine } from "../../engines/postgres/index.ts";
import { check, expectPass, scenarioDrill } from "../support.ts";

const FILE = "scenarios/postgres/upgrade.drill.ts";

// Pre-upgrade checks: back up on 15, restore on 17. A dump crosses major versions; a data directory does not.
describe("postgres: restore into another major version", () => {
  it("a 15 dump restores into 17 with every record", async () => {
    const result = await scenarioDrill(FILE, "a 15 dump restores into 17 with every record", {
      scenario: "upgrade-logical",
      engine: new PostgresEngine("15", "logical"),
      restoreInto: new PostgresEngine("17", "logical"),
      workload: { writers: 2, maxOps: 50_000, maxMs: 60_000, leadInOps: 100, tailMs: 300 },
    });
    expectPass(result);
    expect(check(result, "preflight:version").summary).toMatch(/an upgrade/);
    expect(result.evidence.scope.restoreTarget).toMatchObject({ version: "17", image: { ref: expect.stringMatching(/postgres:17/) } });
    expect(check(result, "invariant:transfers-atomic").valid).toBe(true);
  });

  it("a 15 data directory is refused by 17, loudly, before and during the restore", async () => {
    const result = await scenarioDrill(FILE, "a 15 data directory is refused by 17, loudly, before and during the restore", {
      scenario: "upgrade-physical",
      engine: new PostgresEngine("15", "physical"),
      restoreInto: new PostgresEngine("17", "physical"),
    });
    expect(result.evidence.verdict).toBe("fail");
    expect(check(result, "preflight:version")).toMatchObject({ valid: false, summary: expect.stringMatching(/cannot start on 17/) });
    expect(check(result, "restore").summary).toMatch(/database files are incompatible with server/);
  });
});

// The other major on its own: a same-version drill on 17 must pass like one on 15.
describe("postgres 17", () => {
  it("physical backup under load passes on 17", async () => {
    const result = await scenarioDrill(FILE, "physical backup under load passes on 17", {
      scenario: "load-physical-17",
      engine: new PostgresEngine("17", "physical"),
      workload: { writers: 2, maxOps: 50_000, maxMs: 60_000, leadInOps: 100, tailMs: 300 },
    });
    expectPass(result);
  });
});
