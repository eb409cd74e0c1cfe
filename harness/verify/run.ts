import { copyFile, mkdir, rm, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { runCheckers, type CheckResult } from "../checkers/checker.ts";
import type { StateSummary } from "../checkers/equivalence.ts";
import { isEngineError } from "../engine-error.ts";
import type { BackupArtifact, DrillRuntime, Engine, EngineNode } from "../engine.ts";
import { InputError } from "../errors.ts";
import { verdictOf, type EvidenceImage, type PhaseRecord } from "../evidence.ts";
import type { Verdict } from "../expectation.ts";
import { engineFailedDeepVerify } from "../drill/deep-verify.ts";
import { readState } from "../drill/check.ts";
import { Interrupted, Phases } from "../drill/phases.ts";
import { restoreArtifact } from "../drill/restore.ts";
import { readBackFailure, serverLogCheck } from "../drill/server-log.ts";
import { createDrillRuntime, newRunId } from "../drill.ts";
import { removeManaged } from "../runtime/resources.ts";
import { ageCheck } from "./age.ts";
import { compareCheck } from "./compare.ts";
import { fingerprintOf, type Fingerprint } from "./fingerprint.ts";
import { runUserChecks } from "./user-checks.ts";
import type { VerifyDefinition, VerifyRequest } from "./definition.ts";

/** What one verification found, before it is written down (report.ts). */
export interface VerifyResult {
  runId: string;
  verifyId: string;
  /** The report directory of this verification. */
  dir: string;
  engine: string;
  version: string;
  method: string;
  sourceVersion: string | null;
  backupTool: string;
  images: EvidenceImage[];
  checks: CheckResult[];
  verdict: Verdict;
  /** An error of dr-drill or Docker: the verdict is then `unknown`, never a finding. */
  undecided: string | null;
  interrupted: string | null;
  fingerprint: Fingerprint | null;
  restoredRecords: number | null;
  /** From the start of the restore to the restored node serving a new write; null when it never served one. */
  rto: { achievedMs: number | null; targetMs: number | null; restoreMs: number | null; probeMs: number | null };
  phases: PhaseRecord[];
}

/**
 * Restores a brought artifact into a fresh node of the engine (its own containers and volumes, labelled, removed at the
 * end), then: the engine's preflight, the restore (proved not to write into the artifact), every record read back
 * and fingerprinted, the errors the engine logged, its invariants, its deep verifier, the user's checks, a new write,
 * and the comparison with an earlier verify. There is no ledger: a pass says restorable and internally consistent.
 */
export async function verifyArtifact<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact>(
  def: VerifyDefinition<Payload, Node, Artifact>,
  req: VerifyRequest,
): Promise<VerifyResult> {
  const runId = req.runId || newRunId();
  const isFile = (await stat(req.artifact.path)).isFile();
  // One file is the artifact of the method that reads one file (a dump), unless --method says otherwise.
  const fileMethod = isFile ? (req.method ?? def.methods.find((m) => def.fileName?.(m))) : undefined;
  const staging = join(resolve(req.reportsDir), runId, "artifact");
  const artifactDir = isFile
    ? await stageFile(req.artifact.path, staging, fileMethod && def.fileName?.(fileMethod))
    : req.artifact.path;
  const described = await def.describe(artifactDir);
  const method = req.method ?? fileMethod ?? described.method ?? def.methods[0]!;
  if (!def.methods.includes(method)) {
    await rm(staging, { recursive: true, force: true });
    throw new InputError(`--method ${method}: this engine's methods are ${def.methods.join(", ")}`);
  }
  const version =
    req.version ??
    (described.sourceVersion && req.versions.includes(described.sourceVersion)
      ? described.sourceVersion
      : req.defaultVersion);
  const engine = def.engine(version, method);
  const verifyId = `verify-${engine.name}${version}-${method}`;
  const dir = join(resolve(req.reportsDir), runId, verifyId);
  const workDir = join(dir, "work");
  await mkdir(workDir, { recursive: true });
  const { rt, progress } = createDrillRuntime({
    runId,
    drillId: verifyId,
    workDir,
    imageMode: req.images,
    sink: req.sink,
    signal: req.signal,
  });
  const phases = new Phases(progress, rt.clock, rt.signal);
  const checks: CheckResult[] = [artifactCheck(req)];
  if (req.maxAgeMs !== undefined) checks.push(ageCheck(req.artifact.modifiedAt, req.now ?? new Date(), req.maxAgeMs));
  const out: VerifyResult = {
    runId,
    verifyId,
    dir,
    engine: engine.name,
    version,
    method,
    sourceVersion: described.sourceVersion ?? null,
    backupTool: "",
    images: [],
    checks,
    verdict: "unknown",
    undecided: null,
    interrupted: null,
    fingerprint: null,
    restoredRecords: null,
    rto: { achievedMs: null, targetMs: req.rtoMs ?? null, restoreMs: null, probeMs: null },
    phases: phases.records,
  };
  let node: Node | undefined;
  try {
    const artifact = await def.artifact(artifactDir, engine);
    out.backupTool = artifact.tool;
    progress.info(
      `artifact ${req.artifact.origin}: sha256 ${req.artifact.sha256.slice(0, 16)}…, ${req.artifact.bytes} bytes; ${engine.name} ${version} ${method}`,
    );
    checks.push(...(await phases.run("preflight", async () => ({ value: await engine.preflight(artifact, rt) }))));
    const restoreFrom = rt.clock.now();
    const restored = await phases.run("restore", async () => {
      const r = await restoreArtifact({ target: engine, artifact, rt, hooks: def.access ?? {}, proveUntouched: true });
      return { value: r, counts: { attempts: r.restored.attempts.length, up: r.restored.node ? "yes" : "no" } };
    });
    const restoreMs = rt.clock.now() - restoreFrom;
    out.rto.restoreMs = Math.round(restoreMs);
    checks.push(...restored.checks);
    node = restored.restored.node;
    if (node) {
      const up = node;
      out.images = up.images.map((i) => ({ ...i }));
      const state = await phases.run("check", async (p) => {
        const found = await readAndCheck(up, engine, rt, workDir, p);
        checks.push(...found.checks);
        return { value: found.state, counts: { records: found.state?.count ?? 0 } };
      });
      if (state) {
        out.restoredRecords = state.count;
        out.fingerprint = await fingerprintOf(state.path);
      }
      if (req.checks.checks.length) {
        const query = up.userQuery?.bind(up);
        if (!query) throw new InputError(`--checks: ${engine.name} does not run queries for user checks`);
        checks.push(
          ...(await phases.run("user checks", async () => ({ value: await runUserChecks(req.checks.checks, query) }))),
        );
      }
      const probe = await phases.run("probe write", async (p) => ({
        value: await probeCheck(up, () => p.elapsedMs()),
      }));
      checks.push(probe.check);
      if (probe.ms !== null) {
        out.rto.probeMs = Math.round(probe.ms);
        out.rto.achievedMs = Math.round(restoreMs + probe.ms);
      }
      // Last, as in a campaign: an engine's deep verifier may stop the node (Neo4j's consistency check runs offline).
      const deepVerify = engine.deepVerify?.bind(engine);
      if (state && deepVerify)
        checks.push(
          await phases.run("deep verify", async () => ({
            value: await deepVerify(up, state, rt).catch(engineFailedDeepVerify),
          })),
        );
    }
    if (req.compareWith && out.fingerprint)
      checks.push(
        compareCheck(req.compareWith.fingerprint, out.fingerprint, req.checks.appendOnly, req.compareWith.from),
      );
    else if (req.compareWith)
      checks.push({ name: "compare-with", valid: false, summary: "nothing was read back to compare" });
    if (req.rtoMs !== undefined) checks.push(rtoCheck(out.rto.achievedMs, req.rtoMs));
  } catch (err) {
    if (err instanceof InputError) throw err;
    out.undecided = err instanceof Error ? err.message : String(err);
    if (err instanceof Interrupted) out.interrupted = err.message;
  } finally {
    await removeManaged({ drillId: rt.drillId }).catch((e: Error) => progress.info(`cleanup failed: ${e.message}`));
    await node?.destroy().catch(() => undefined);
    // Scratch (the read-back, a staged copy): the record keeps the fingerprint, not the data.
    await rm(workDir, { recursive: true, force: true });
    await rm(staging, { recursive: true, force: true });
  }
  out.verdict = out.undecided === null ? verdictOf(checks.map((c) => c.valid)) : "unknown";
  return out;
}

/** The artifact as brought: its digest and size are the evidence's subject. */
function artifactCheck(req: VerifyRequest): CheckResult {
  const a = req.artifact;
  return {
    name: "artifact",
    valid: true,
    summary: `${a.origin}: ${a.bytes} bytes, sha256 ${a.sha256}`,
    details: { sha256: a.sha256, bytes: a.bytes, modifiedAt: a.modifiedAt?.toISOString() ?? null },
  };
}

/** A one-file artifact (a dump) goes into a directory of its own under the name the engine's restore reads. */
async function stageFile(path: string, dir: string, name: string | undefined): Promise<string> {
  await mkdir(dir, { recursive: true });
  await copyFile(path, join(dir, name ?? basename(path)));
  return dir;
}

/** Every record read back (the fingerprint's input), the errors the engine logged, its invariants. */
async function readAndCheck<Payload, Node extends EngineNode<Payload>, Artifact extends BackupArtifact>(
  node: Node,
  engine: Engine<Payload, Node, Artifact>,
  rt: DrillRuntime,
  workDir: string,
  p: Parameters<typeof readState>[2],
): Promise<{ state: StateSummary | null; checks: CheckResult[] }> {
  const checks: CheckResult[] = [];
  let state: StateSummary | null = null;
  try {
    state = await readState(node, join(workDir, "restored.tsv"), p);
    checks.push({ name: "read-back", valid: true, summary: `the restored engine served every record: ${state.count}` });
  } catch (err) {
    checks.push(
      isEngineError(err)
        ? { name: "read-back", valid: false, summary: `the restored engine could not serve its data: ${err.message}` }
        : await readBackFailure(node, err),
    );
  }
  checks.push(...(await serverLogCheck(node)));
  checks.push(...(await runCheckers([{ name: "invariants", check: () => engine.invariants(node, rt) }], null)));
  return { state, checks };
}

async function probeCheck<Payload>(
  node: EngineNode<Payload>,
  elapsed: () => number,
): Promise<{ check: CheckResult; ms: number | null }> {
  try {
    const what = await node.probeWrite();
    return { check: { name: "new-write", valid: true, summary: what }, ms: elapsed() };
  } catch (err) {
    if (!isEngineError(err)) throw err;
    return {
      check: { name: "new-write", valid: false, summary: `the restored engine refused a new write: ${err.message}` },
      ms: null,
    };
  }
}

export function rtoCheck(achievedMs: number | null, targetMs: number): CheckResult {
  const met = achievedMs !== null && achievedMs <= targetMs;
  return {
    name: "rto-target",
    valid: met,
    summary:
      achievedMs === null
        ? `RTO unknown (the restored node never served a write), target ${targetMs} ms`
        : `RTO ${achievedMs} ms (restore start to serving) ${met ? "within" : "over"} the target ${targetMs} ms`,
    details: { achievedMs, targetMs },
  };
}
