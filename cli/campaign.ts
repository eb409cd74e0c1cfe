import { resolve } from "node:path";
import type { KeyObject } from "node:crypto";
import { newRunId } from "../harness/drill.ts";
import type { ReplayArgs } from "../harness/evidence.ts";
import { ensureDocker } from "../harness/runtime/docker.ts";
import { ImageResolver } from "../harness/runtime/images.ts";
import { parseImageMode, type ImageMode } from "../harness/runtime/image-mode.ts";
import { guardRun } from "../harness/runtime/resources.ts";
import { formatMs } from "../harness/progress.ts";
import { loadPrivateKey } from "../harness/report/manifest.ts";
import { writeRunReport } from "../harness/report/write.ts";
import type { PlannedDrill } from "../harness/report/run-evidence.ts";
import { fromInput } from "../harness/errors.ts";
import { describeFault, type CampaignFaultSpec } from "../harness/campaign/random-faults.ts";
import { campaignEvidence, writeCampaignFiles } from "../harness/campaign/report.ts";
import { markdownTable } from "../harness/campaign/table.ts";
import { ENGINES, engineEntry } from "../engines/index.ts";
import { UsageError, firstGiven, list } from "./args.ts";
import { writableDirectory } from "./writable.ts";

/** `dr-drill campaign`'s options as the command line parsed them (cli/program.ts). */
export interface CampaignOptions {
  engine: string;
  version?: string;
  method?: string;
  faults?: number;
  seed?: number;
  campaignSeed?: number;
  rows?: number;
  writers?: number;
  images?: ImageMode;
  reports?: string;
  signingKey?: string;
  keepArtifacts?: boolean;
}

interface CampaignPlan {
  args: Omit<ReplayArgs, "fault">;
  faults: number;
  seed?: number;
  campaignSeed?: number;
  only?: CampaignFaultSpec[];
  reports: string;
  signingKey?: KeyObject;
  keepArtifacts: boolean;
}

function signingKeyOf(flag: string | undefined): KeyObject | undefined {
  const [source, origin] = firstGiven(
    [flag, "--signing-key"],
    [process.env.DR_DRILL_SIGNING_KEY, "DR_DRILL_SIGNING_KEY"],
  );
  return source ? fromInput(origin, () => loadPrivateKey(source)) : undefined;
}

/** `dr-drill campaign --engine X [--version V] [--method M] [--faults 50] [--seed N]`. */
export async function campaign(v: CampaignOptions): Promise<number> {
  const entry = engineEntry(list(v.engine, Object.keys(ENGINES), "--engine", [])[0]!);
  if (!entry.campaign)
    throw new UsageError(
      `--engine ${entry.name}: no fault campaign yet; engines with one: ${Object.values(ENGINES)
        .filter((e) => e.campaign)
        .map((e) => e.name)
        .join(", ")}`,
    );
  const version = list(v.version, entry.versions, "--version", [entry.defaultVersion])[0]!;
  const method = list(v.method, entry.methods, "--method", [entry.methods[0]!])[0]!;
  const images = v.images ?? parseImageMode(...firstGiven([process.env.DR_DRILL_IMAGES, "DR_DRILL_IMAGES"]));
  return runCampaignPlan({
    args: {
      engine: entry.name,
      version,
      method,
      scenario: "campaign",
      restoreInto: null,
      rows: v.rows ?? 2000,
      writers: v.writers ?? 2,
      images,
    },
    faults: v.faults ?? 50,
    ...(v.seed === undefined ? {} : { seed: v.seed }),
    ...(v.campaignSeed === undefined ? {} : { campaignSeed: v.campaignSeed }),
    reports: writableDirectory(
      resolve(v.reports ?? "reports"),
      v.reports === undefined ? "the report root ./reports" : "--reports",
    ),
    signingKey: signingKeyOf(v.signingKey),
    keepArtifacts: Boolean(v.keepArtifacts),
  });
}

/** `dr-drill replay` of one campaign row: a new base backup with the same data seed, and that one fault alone. */
export function replayCampaignFault(
  args: ReplayArgs & { fault: CampaignFaultSpec },
  seed: number,
  reports: string,
): Promise<number> {
  const { fault, ...rest } = args;
  console.log(`replaying campaign fault ${fault.index} (seed ${fault.seed}): ${describeFault(fault)}`);
  return runCampaignPlan({
    args: rest,
    faults: 1,
    seed,
    only: [fault],
    reports,
    signingKey: signingKeyOf(undefined),
    keepArtifacts: false,
  });
}

function replayCommand(a: Omit<ReplayArgs, "fault">, seed: number, f: CampaignFaultSpec): string {
  return `npx dr-drill replay ${`campaign-${a.engine}${a.version}-${a.method}-${seed}-f${String(f.index).padStart(3, "0")}`} (data seed ${seed}, fault seed ${f.seed}: ${describeFault(f)})`;
}

async function runCampaignPlan(plan: CampaignPlan): Promise<number> {
  const { args } = plan;
  const entry = engineEntry(args.engine);
  if (!entry.campaign) throw new UsageError(`--engine ${entry.name}: no fault campaign yet`);
  const scenario = await entry.campaign();
  if (!scenario.methods.includes(args.method))
    throw new UsageError(
      `--method ${args.method}: the ${entry.name} campaign backs up with ${scenario.methods.join(", ")}`,
    );
  await ensureDocker(console.log);
  await new ImageResolver(parseImageMode(args.images, "--images"), (l) => console.log(`[images] ${l}`)).resolve(
    entry.imageSpec(args.version),
  );
  const runId = newRunId();
  const startedAt = new Date().toISOString();
  const interrupt = new AbortController();
  const unguard = guardRun(runId, console.log, interrupt);
  const planned = plan.only?.length ?? plan.faults;
  try {
    const result = await scenario.run({
      version: args.version,
      method: args.method,
      rows: args.rows,
      writers: args.writers,
      ...(plan.seed === undefined ? {} : { seed: plan.seed }),
      ...(plan.campaignSeed === undefined ? {} : { campaignSeed: plan.campaignSeed }),
      faults: plan.faults,
      ...(plan.only ? { only: plan.only } : {}),
      images: parseImageMode(args.images, "--images"),
      runId,
      reportsDir: plan.reports,
      keepArtifacts: plan.keepArtifacts,
      signal: interrupt.signal,
      replay: (seed, fault) => ({ command: replayCommand(args, seed, fault), args: { ...args, fault } }),
    });
    const evidence = campaignEvidence(result, { ...args, startedAt, planned }, (row) =>
      replayCommand(args, result.seed, row.fault),
    );
    const dir = resolve(plan.reports, runId);
    await writeCampaignFiles(dir, evidence);
    const plannedDrills: PlannedDrill[] = Array.from({ length: planned }, (_, i) => ({
      engine: args.engine,
      version: args.version,
      method: args.method,
      scenario: "campaign",
      restoreInto: null,
      drillId: result.drills[i]?.evidence.drillId ?? null,
    }));
    const report = await writeRunReport({
      reportsRoot: plan.reports,
      runId,
      startedAt,
      drills: result.drills,
      planned: plannedDrills,
      interrupted: result.interrupted,
      targets: {},
      signingKey: plan.signingKey,
    });
    console.log(
      `\nCampaign ${args.engine} ${args.version} ${args.method}: ${evidence.verdict.toUpperCase()}, campaign seed ${result.campaignSeed}, data seed ${result.seed}`,
    );
    console.log(markdownTable(evidence.table));
    for (const r of evidence.faults.filter((f) => f.outcome === "MISSED" || f.outcome === "unknown"))
      console.log(`  ${r.outcome} #${r.index} ${r.description}: ${r.why}\n    replay: ${r.replay}`);
    console.log(
      `wall ${formatMs(result.timing.wallMs)} (backup side ${formatMs(result.timing.sourceMs)}, ${formatMs(result.timing.perFaultMs)} per fault); base backup ${result.base.untouched ? "unchanged" : "CHANGED"}`,
    );
    if (result.undecided) console.log(`undecided: ${result.undecided}`);
    console.log(
      `Report: ${report.dir}/campaign.html  (campaign.json, evidence.json, report.html, manifest.sha256${report.signed ? ", manifest.sig" : ""})`,
    );
    return evidence.verdict === "pass" ? 0 : 1;
  } finally {
    unguard();
  }
}
