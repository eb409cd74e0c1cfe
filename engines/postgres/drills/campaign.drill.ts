import { describe, expect, it } from "vitest";
import { newRunId } from "../../../harness/drill.ts";
import { parseImageMode } from "../../../harness/runtime/images.ts";
import { describeFault } from "../../../harness/campaign/random-faults.ts";
import { campaignTable, markdownTable } from "../../../harness/campaign/table.ts";
import { engineEntry } from "../../index.ts";
import { SCENARIO_SEED, capturingSink } from "../../../test/drills/support.ts";

/** The short campaign CI runs: 8 faults on copies of one physical base backup; the long ones run on a schedule. */
const FAULTS = 8;
/** A fixed campaign seed, so CI draws the same 8 faults on every run (the data seed still varies). */
const CAMPAIGN_SEED = Number(process.env.DR_DRILL_CAMPAIGN_SEED ?? 16);

describe("postgres: fault campaign", () => {
  it(`${FAULTS} random faults on copies of one backup: none unknown, none MISSED, some caught`, async () => {
    const load = engineEntry("postgres").campaign;
    if (!load) throw new Error("postgres offers no campaign");
    const campaign = await load();
    const started = Date.now();
    const r = await campaign.run({
      version: "17",
      method: "physical",
      rows: 1000,
      writers: 2,
      seed: SCENARIO_SEED,
      campaignSeed: CAMPAIGN_SEED,
      faults: FAULTS,
      images: parseImageMode(process.env.DR_DRILL_IMAGES, "DR_DRILL_IMAGES"),
      runId: newRunId(),
      reportsDir: "reports",
      keepArtifacts: false,
      sink: capturingSink(),
      replay: (seed, f) => ({
        command: `npx dr-drill campaign --engine postgres --seed ${seed} (fault ${f.index}: ${describeFault(f)})`,
        args: null,
      }),
    });
    const table = campaignTable(r.rows);
    process.stdout.write(
      `${markdownTable(table)}\ncampaign wall time ${Date.now() - started} ms, ${r.timing.perFaultMs} ms per fault\n`,
    );
    expect(r.undecided).toBeNull();
    expect(r.rows).toHaveLength(FAULTS);
    const bad = r.rows
      .filter((x) => x.outcome === "unknown" || x.outcome === "MISSED")
      .map((x) => `${x.outcome} #${x.index} ${x.description}: ${x.why}`);
    expect(bad).toEqual([]);
    expect(table.totals.caught).toBeGreaterThan(0);
    expect(r.base.untouched).toBe(true);
  });
});
