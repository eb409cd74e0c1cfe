import { describe, expect, it } from "vitest";
import { check, expectMet, missingImage, runOne, skipUnless } from "../../../test/drills/support.ts";

const ROWS = 8_000;
const missing = await missingImage("eventstore");

describe("eventstore: faults the drill must catch, for the stated reason", () => {
  it("truncate.chk missing: the preflight names it, and the oracle says whether anything came back or went missing", async (ctx) => {
    skipUnless(ctx, missing);
    const result = await runOne("eventstore", "missing-truncate-chk", { rows: ROWS });
    expectMet(result);
    expect(check(result, "preflight:truncate-checkpoint").summary).toMatch(
      /^truncate\.chk missing: the node recreates it as -1/,
    );
    // What the node really did is recorded: the restored log says whether it truncated, and the oracle judges the rest.
    expect(result.evidence.restoreAttempts[0]!.observed).toEqual(
      expect.arrayContaining([expect.stringMatching(/^truncate\.chk absent/)]),
    );
    expect(check(result, "ledger-oracle").valid).not.toBe("unknown");
  });

  it("chunks copied before the checkpoints: the writer checkpoint points past the copied records", async (ctx) => {
    skipUnless(ctx, missing);
    expectMet(await runOne("eventstore", "chunks-first", { rows: ROWS }));
  });

  it("a missing chunk: the node refuses to start, the backup untouched", async (ctx) => {
    skipUnless(ctx, missing);
    const result = await runOne("eventstore", "missing-chunk", { rows: ROWS });
    expectMet(result);
    expect(check(result, "preflight:chunk-numbering").valid).toBe(false);
  });

  it("a flipped byte in a completed chunk: the preflight's MD5 catches it, and what the server does is recorded", async (ctx) => {
    skipUnless(ctx, missing);
    const result = await runOne("eventstore", "flipped-byte", { rows: ROWS });
    expectMet(result);
    expect(result.evidence.restoreAttempts.length).toBeGreaterThan(0);
  });

  it("a scavenge during the copy: a pass or a loud refusal, never a silent loss", async (ctx) => {
    skipUnless(ctx, missing);
    expectMet(await runOne("eventstore", "scavenge-during-copy", { rows: ROWS }));
  });
});
