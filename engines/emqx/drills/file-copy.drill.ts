import { describe, it, expect } from "vitest";
import { EMQX_DEFAULT_VERSION } from "../versions.ts";
import { check, expectMet, expectPass, missingImage, runOne, skipUnless } from "../../../test/drills/support.ts";

const ROWS = Number(process.env.DR_DRILL_ROWS ?? 2_000);

// Written against the official emqx/emqx image: where it cannot be pulled, every drill here skips, printing why.
const missing = await missingImage("emqx", [EMQX_DEFAULT_VERSION]);

describe("emqx: the seed's file copy (stop, copy etc/ and data/, put them back before start)", () => {
  it("retained messages on disc and durable sessions: the restored node serves exactly the source's state", async (ctx) => {
    skipUnless(ctx, missing);
    const result = await runOne("emqx", "clean", { rows: ROWS });
    expectPass(result);
    expect(check(result, "exact-equivalence").valid).toBe(true);
    expect(check(result, "preflight:node-name").summary).toMatch(
      /^the backup is of node emqx@dr-drill-emqx \(data\/mnesia\/\)/,
    );
    expect(check(result, "invariant:not-empty").summary).toMatch(
      /serves [1-9]\d* retained message\(s\), 24 of 24 session\(s\)/,
    );
  });

  it("under MQTT 3.1.1 and 5 publish load across the stop: everything acknowledged before the stop comes back", async (ctx) => {
    skipUnless(ctx, missing);
    const result = await runOne("emqx", "load", { rows: ROWS, writers: 2 });
    expectPass(result);
    expect(check(result, "ledger-oracle").summary).toMatch(/^all \d+ keys consistent with the ledger/);
  });

  it("EMQX's default RAM storage for retained messages: a file copy restores none, and the drill says they were lost", async (ctx) => {
    skipUnless(ctx, missing);
    const result = await runOne("emqx", "retained-in-ram", { rows: ROWS });
    expectMet(result);
    expect(check(result, "ledger-oracle").examples!.every((x) => x.startsWith("lost retained/"))).toBe(true);
  });

  it("restored under another node name: the preflight warns, EMQX starts empty, the drill says everything was lost", async (ctx) => {
    skipUnless(ctx, missing);
    const result = await runOne("emqx", "another-node-name", { rows: ROWS });
    expectMet(result);
    expect(result.evidence.restoreAttempts).toMatchObject([{ ok: true }]);
    expect(check(result, "invariant:not-empty").valid).toBe(false);
  });
});
