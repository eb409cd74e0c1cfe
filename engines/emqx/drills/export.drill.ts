import { describe, it, expect } from "vitest";
import { EMQX_DEFAULT_VERSION } from "../versions.ts";
import { check, expectMet, missingImage, runOne, skipUnless } from "../../../test/drills/support.ts";

const ROWS = Number(process.env.DR_DRILL_ROWS ?? 2_000);

// Both versions are needed for the newer-export drill; each missing one is named in the printed reason.
const missing = await missingImage("emqx", [EMQX_DEFAULT_VERSION, "5.5.1"]);

describe("emqx: emqx ctl data export / data import (5.1+)", () => {
  it("an export imported into a fresh node: retained messages come back (5.6.1+), sessions do not, and the drill says so", async (ctx) => {
    skipUnless(ctx, missing);
    const result = await runOne("emqx", "export-import", { rows: ROWS, method: "data-export" });
    expectMet(result);
    expect(check(result, "preflight:export-version").valid).toBe(true);
    expect(check(result, "preflight:export-retained").valid).toBe(true);
    expect(check(result, "ledger-oracle").examples!.some((x) => /^lost (session|queue)\//.test(x))).toBe(true);
  });

  it("an export of a newer EMQX is refused by data import, loudly, and the backup is left untouched", async (ctx) => {
    skipUnless(ctx, missing);
    const result = await runOne("emqx", "newer-export", { rows: ROWS, method: "data-export" });
    expectMet(result);
    expect(check(result, "preflight:export-version").valid).toBe(false);
    expect(result.evidence.restoreAttempts).toMatchObject([
      { ok: false, summary: expect.stringMatching(/is newer than EMQX version/) },
    ]);
  });
});
