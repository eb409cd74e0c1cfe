import { describe, expect, it } from "vitest";
import { check, expectPass, missingImage, runOne, skipUnless } from "../../../test/drills/support.ts";

/** Events per drill: a few chunks of 1 MiB (engines/eventstore/container.ts), a few minutes on 2 cores. */
const ROWS = 8_000;

// Without the official image (neither present nor pullable) every drill here skips, printing the `docker pull` it needs.
const missing = await missingImage("eventstore");

describe("eventstore: the guide's backup and restore", () => {
  it("online under appends: checkpoints before chunks, chaser.chk → truncate.chk, every stream a prefix of what was acknowledged", async (ctx) => {
    skipUnless(ctx, missing);
    const result = await runOne("eventstore", "load", { rows: ROWS });
    expectPass(result);
    expect(check(result, "preflight:truncate-checkpoint").summary).toMatch(
      /^the restore copies chaser\.chk to truncate\.chk/,
    );
    expect(check(result, "invariant:all-order").valid).toBe(true);
    expect(result.evidence.restoreAttempts[0]!.observed).toEqual(
      expect.arrayContaining([expect.stringMatching(/^chaser\.chk copied to truncate\.chk/)]),
    );
  });

  it('24.x restarts after "Truncation successful"', async (ctx) => {
    skipUnless(ctx, missing);
    const result = await runOne("eventstore", "load", { rows: ROWS, version: "24.10" });
    expectPass(result);
    expect(result.evidence.restoreAttempts[0]!.observed).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/exited 0 after "Truncation successful\. Shutting down\.": started again/),
      ]),
    );
  });

  it("clean: with no writes the restored streams equal the source", async (ctx) => {
    skipUnless(ctx, missing);
    expectPass(await runOne("eventstore", "clean", { rows: ROWS, writers: 0 }));
  });

  it("offline: a stopped node's data directory copied whole", async (ctx) => {
    skipUnless(ctx, missing);
    expectPass(await runOne("eventstore", "offline", { rows: ROWS, method: "offline" }));
  });

  it("differential: full + scavenge + new chunk versions, restored keeping the highest chunk-X.Y", async (ctx) => {
    skipUnless(ctx, missing);
    const result = await runOne("eventstore", "differential", { rows: ROWS, method: "differential" });
    expectPass(result);
    expect(check(result, "preflight:chunk-numbering").valid).toBe(true);
  });
});
