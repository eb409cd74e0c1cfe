import { describe, it, expect } from "vitest";
import { check, expectMet, expectPass, runOne } from "../../../test/drills/support.ts";

// Pre-upgrade checks: back up on 15, restore on 17. A dump crosses major versions; a data directory does not.
describe("postgres: restore into another major version", () => {
  it("a 15 dump restores into 17 with every record", async () => {
    const result = await runOne("postgres", "upgrade", { method: "logical", version: "15" });
    expectPass(result);
    expect(check(result, "preflight:version").summary).toMatch(/an upgrade/);
    expect(result.evidence.scope.restoreTarget).toMatchObject({
      version: "17",
      images: [{ ref: expect.stringMatching(/postgres:17/) }],
    });
    expect(check(result, "invariant:transfers-atomic").valid).toBe(true);
  });

  it("a 15 data directory is refused by 17, loudly, before and during the restore", async () => {
    const result = await runOne("postgres", "upgrade", { method: "physical", version: "15" });
    expectMet(result);
    expect(result.evidence.expectation.observed).toBe("refused");
    expect(check(result, "preflight:version")).toMatchObject({
      valid: false,
      summary: expect.stringMatching(/cannot start on 17/),
    });
  });
});

// The other major on its own: a same-version drill on 17 must pass like one on 15.
describe("postgres 17", () => {
  it("physical backup under load passes on 17", async () => {
    expectPass(await runOne("postgres", "load", { method: "physical", version: "17" }));
  });
});
