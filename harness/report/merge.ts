import { createHash, type KeyObject } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, mkdir, readdir, readFile } from "node:fs/promises";
import { basename, join, relative, resolve } from "node:path";
import { InputError } from "../errors.ts";
import type { Evidence } from "../evidence.ts";
import { MANIFEST, SIGNATURE, verifyDirectory } from "./manifest.ts";
import {
  RUN_EVIDENCE_SCHEMA,
  coverageOf,
  describeCoverage,
  type MergedShard,
  type RunEvidence,
} from "./run-evidence.ts";
import { writeReportDirectory, type RunReport } from "./write.ts";
import { ATTESTATION } from "./attestation.ts";
import type { Retention, RetentionAsked } from "./audit.ts";

/** A shard whose sealed report does not verify: nothing of it is merged. */
export class ShardRejected extends Error {
  constructor(
    readonly dir: string,
    readonly problems: string[],
  ) {
    super(`${dir} does not verify against its manifest: ${problems.join("; ")}`);
  }
}

/** The files a run directory holds beside its drills' directories. */
const REPORT_FILES = new Set([
  "evidence.json",
  "report.html",
  "junit.xml",
  "summary.md",
  MANIFEST,
  SIGNATURE,
  ATTESTATION,
]);

interface Shard {
  dir: string;
  run: RunEvidence;
  ref: MergedShard;
}

/**
 * Combines the report directories of the shards of a run (`dr-drill run --shard i/n`) into one run directory. Each
 * shard's manifest (and signature, given the public key) is verified before anything of it is read; a shard that does
 * not verify stops the merge. Every shard of each plan must be there once and have run its whole slice, no drill
 * twice, the targets alike. The
 * drills' directories are copied as they are, then evidence.json, report.html, junit.xml, summary.md and the manifest
 * (and signature) are made anew over the merged files, exactly as a run makes them.
 */
export async function mergeReports(opts: {
  dirs: string[];
  out: string;
  publicKey?: KeyObject;
  signingKey?: KeyObject;
  env?: NodeJS.ProcessEnv;
}): Promise<RunReport> {
  const dirs = opts.dirs.map((d) => resolve(d));
  const out = resolve(opts.out);
  checkPaths(dirs, out);
  const shards: Shard[] = [];
  for (const dir of dirs) shards.push(await readShard(dir, opts.publicKey));
  checkOneRun(shards);
  checkComplete(shards);
  const drills = shards
    .flatMap((s) => s.run.drills)
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.drillId.localeCompare(b.drillId));
  const seen = new Map<string, string>();
  for (const s of shards) {
    for (const d of s.run.drills) {
      const other = seen.get(d.drillId);
      if (other) throw new InputError(`drill ${d.drillId} is in both ${other} and ${s.dir}: a drill is merged once`);
      seen.set(d.drillId, s.dir);
    }
  }
  const targets = JSON.stringify(shards[0]!.run.targets);
  const odd = shards.find((s) => JSON.stringify(s.run.targets) !== targets);
  if (odd)
    throw new InputError(
      `${odd.dir} was run with targets ${JSON.stringify(odd.run.targets)}, ${shards[0]!.dir} with ${targets}: shards of one run share their RTO/RPO targets`,
    );

  await mkdir(out, { recursive: true });
  for (const s of shards)
    for (const d of s.run.drills)
      await cp(join(s.dir, d.drillId), join(out, d.drillId), { recursive: true, errorOnExist: true, force: false });
  return writeReportDirectory({
    dir: out,
    runId: basename(out),
    startedAt: shards.map((s) => s.run.startedAt).sort()[0]!,
    endedAt: shards
      .map((s) => s.run.endedAt)
      .sort()
      .at(-1)!,
    drills,
    planned: shards.flatMap((s) => s.run.planned.drills),
    interrupted: null,
    targets: shards[0]!.run.targets,
    // The longest retention any shard asked for: no shard's record is to be dropped before its time.
    retention: longestRetention(shards.map((s) => s.run.retention)),
    mergedFrom: shards.map((s) => s.ref),
    weakCredentials: shards
      .flatMap((s) => s.run.weakCredentials)
      .filter((w, i, all) => all.findIndex((x) => x.source === w.source) === i),
    ...(opts.signingKey ? { signingKey: opts.signingKey } : {}),
    ...(opts.env ? { env: opts.env } : {}),
  });
}

function longestRetention(retentions: (Retention | undefined)[]): RetentionAsked | undefined {
  const longest = retentions.filter((r) => r !== undefined).sort((a, b) => b.days - a.days)[0];
  return longest && longest.source !== "default" ? { days: longest.days, source: longest.source } : undefined;
}

function checkPaths(dirs: string[], out: string): void {
  if (dirs.length === 0) throw new InputError("merge-reports needs at least one shard report directory");
  for (const [i, dir] of dirs.entries()) {
    if (dirs.indexOf(dir) !== i) throw new InputError(`${dir} is given twice`);
    if (!existsSync(join(dir, "evidence.json")))
      throw new InputError(
        `${dir} is not a run report directory (no evidence.json): give the directories \`dr-drill run\` printed, e.g. reports/<run id>`,
      );
    const rel = relative(dir, out);
    if (rel === "" || !rel.startsWith(".."))
      throw new InputError(`--out ${out} is inside the shard ${dir}: write the merged report elsewhere`);
  }
  if (existsSync(out))
    throw new InputError(`--out ${out} exists: the merged report goes into a new directory, nothing is overwritten`);
}

async function readShard(dir: string, publicKey: KeyObject | undefined): Promise<Shard> {
  const verified = await verifyDirectory(dir, publicKey);
  if (!verified.ok) throw new ShardRejected(dir, verified.problems);
  const manifest = await readFile(join(dir, MANIFEST));
  const run = JSON.parse(await readFile(join(dir, "evidence.json"), "utf8")) as RunEvidence;
  if (run.schema !== RUN_EVIDENCE_SCHEMA) {
    throw new InputError(
      `${dir}/evidence.json is ${String(run.schema)}, not ${RUN_EVIDENCE_SCHEMA}: a report of an earlier dr-drill does not say which drills it planned; run that shard again`,
    );
  }
  if (run.mergedFrom) throw new InputError(`${dir} is already a merged report: merge the shards' own directories`);
  const drillDirs = new Set(run.drills.map((d: Evidence) => d.drillId));
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const known = entry.isDirectory() ? drillDirs.delete(entry.name) : REPORT_FILES.has(entry.name);
    if (!known)
      throw new InputError(
        `${dir} holds ${entry.name}, which its evidence.json does not name: not merged, so that nothing is lost`,
      );
  }
  if (drillDirs.size) throw new InputError(`${dir} lacks the directory of drill(s) ${[...drillDirs].join(", ")}`);
  return {
    dir,
    run,
    ref: {
      runId: run.runId,
      shard: run.shard ?? null,
      startedAt: run.startedAt,
      endedAt: run.endedAt,
      verdict: run.verdict,
      drills: run.drills.length,
      tool: run.tool,
      manifestSha256: createHash("sha256").update(manifest).digest("hex"),
      signature: verified.signature === "valid" ? "valid" : "absent",
    },
  };
}

/**
 * The shards of one run only, made by one dr-drill: the same run nonce (`--run-nonce`, or the CI run and attempt), the
 * same version and commit. Two runs of one plan (yesterday's shard 1 and today's shard 2) make a complete-looking
 * set of shards; merged, they would pass a plan no single run covered, with drills of another tool among them.
 */
function checkOneRun(shards: Shard[]): void {
  for (const s of shards) {
    if (!s.run.shard)
      throw new InputError(
        `${s.dir} is not a shard (it was run without --shard): merge-reports combines the shards of one run`,
      );
    if (!s.run.shard.run)
      throw new InputError(
        `${s.dir} names no run nonce (made by an earlier dr-drill): run that shard again, with the others of its run`,
      );
  }
  const [first, ...rest] = shards;
  const nonce = first!.run.shard!.run;
  const odd = rest.find((s) => s.run.shard!.run !== nonce);
  if (odd)
    throw new InputError(
      `${odd.dir} is a shard of run "${odd.run.shard!.run}", ${first!.dir} of run "${nonce}": merge the shards of one run only (every shard of a run is started with the same --run-nonce, or in the same CI run and attempt)`,
    );
  const made = (t: RunEvidence["tool"]) => `dr-drill ${t.version} (commit ${t.commit ?? "unknown"})`;
  const other = rest.find((s) => made(s.run.tool) !== made(first!.run.tool));
  if (other)
    throw new InputError(
      `${other.dir} was made by ${made(other.run.tool)}, ${first!.dir} by ${made(first!.run.tool)}: the shards of one run are made by one dr-drill`,
    );
}

/**
 * Every shard of each plan once, each having run its whole slice: a merged report that lacks a shard, or a shard
 * interrupted before its last drill, would pass without having run those drills. Such a shard is refused rather than
 * merged as undecided: the merged report is the one record an auditor reads for the whole plan, and it either covers
 * every planned drill or is not made; the shard's own sealed report still says what it ran, and the shard is run again.
 */
function checkComplete(shards: Shard[]): void {
  for (const s of shards) {
    if (!coverageOf(s.run).complete)
      throw new InputError(
        `${s.dir} did not run its whole slice (${describeCoverage(s.run)}): run that shard again, then merge`,
      );
  }
  const plans = new Map<string, Shard[]>();
  for (const s of shards) if (s.run.shard) plans.set(s.run.shard.plan, [...(plans.get(s.run.shard.plan) ?? []), s]);
  for (const [plan, group] of plans) {
    const count = group[0]!.run.shard!.count;
    const odd = group.find((s) => s.run.shard!.count !== count);
    if (odd)
      throw new InputError(
        `plan ${plan}: ${odd.dir} is shard ${odd.run.shard!.index}/${odd.run.shard!.count}, ${group[0]!.dir} one of ${count}`,
      );
    for (let i = 1; i <= count; i++) {
      const these = group.filter((s) => s.run.shard!.index === i);
      if (these.length === 0)
        throw new InputError(
          `plan ${plan}: shard ${i}/${count} is missing (given: ${group.map((s) => `${s.run.shard!.index}/${count}`).join(", ")}); merge every shard of a run`,
        );
      if (these.length > 1)
        throw new InputError(
          `plan ${plan}: shard ${i}/${count} is given twice (${these.map((s) => s.dir).join(", ")})`,
        );
    }
  }
}
