import { describe, expect, it } from "vitest";
import { missingImage, runScenario, skipUnless } from "../../../test/drills/support.ts";
import { ALL_VERSIONS } from "../versions.ts";

const VERSIONS = Object.keys(ALL_VERSIONS);
const missing = await missingImage("eventstore", VERSIONS);

describe("eventstore: the version matrix 22.10 → 23.10 → 24.10 → 25.0 → 26.0 (chunk format v3 → v4)", () => {
  it("a backup of 22.10 restored into every version: each pair as expected, none losing data silently", async (ctx) => {
    skipUnless(ctx, missing);
    const results = await runScenario("eventstore", "matrix", { version: "22.10", rows: 4_000 });
    expect(results.map((r) => r.evidence.scope.restoreTarget.version)).toEqual(VERSIONS);
    for (const r of results)
      expect(r.evidence.expectation.met, `${r.evidence.expectation.why} (${r.evidencePath})`).toBe(true);
  });
});
