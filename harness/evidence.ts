import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, stat, writeFile } from "node:fs/promises";
import { hostname, userInfo } from "node:os";
import { join, relative } from "node:path";
import type { CheckResult, Validity } from "./checkers/checker.ts";
import type { FaultRecord } from "./faults.ts";
import type { CampaignFaultSpec } from "./campaign/random-faults.ts";
import type { BackupMode, RestoreAttempt } from "./engine.ts";
import type { Expectation, Judgement, Observed, Outcome, Verdict } from "./expectation.ts";

export const EVIDENCE_SCHEMA = "dr-drill/evidence@1";

export interface PhaseRecord {
  name: string;
  startedAt: string;
  durationMs: number;
  counts: Record<string, number | string>;
}

export interface ArtifactFile {
  path: string;
  bytes: number;
  sha256: string;
}

/**
 * One drill's record: what an auditor needs to trust it and an engineer needs to replay it (docs/design.md,
 * "Evidence").
 */
export interface Evidence {
  schema: typeof EVIDENCE_SCHEMA;
  drillId: string;
  runId: string;
  scenario: string;
  startedAt: string;
  endedAt: string;
  initiator: Initiator;
  scope: {
    engine: string;
    version: string;
    /** Every image of the source node (several for a multi-container node). */
    images: EvidenceImage[];
    restoreTarget: { version: string; images: EvidenceImage[] };
    backupMethod: string;
    backupTool: string;
    seed: number;
    /** `digest`: order-independent digest of the loaded records as the engine stored them; a replay must match it. */
    dataset: { rows: number; recordsLoaded: number; digest: string };
    /** The backup window on the wall clock: the restored state must reflect a point inside it. */
    recoveryPoint: {
      backupStartedAt: string;
      backupEndedAt: string;
      /**
       * A point-in-time recovery's target T: as the server's clock stated it (what the restore was given), how it was
       * read, the drill-clock interval it lies in (UTC), and the skew of the client's wall clock against the server's.
       */
      target?: { serverTime: string; how: string; from: string; to: string; clientTimeAt: string; skewMs: number };
    };
    /** What the backup promises about the cut, as the oracle checked it: point-in-time, prefix-per-stream or per-key. */
    consistency: string;
  };
  targets: { rtoMs?: number; rpoMs?: number };
  /** Definitions in docs/evidence.md ("RTO and RPO"). */
  achieved: {
    /** From destroying the source to a restored node serving and taking a new write; verification not included. */
    rtoMs: number | null;
    /** Reading the restored state back and checking it, reported beside the RTO. */
    verifyMs: number | null;
    /** From the disaster (the last acknowledged write before the source was lost) back to the newest acknowledged write that survived. */
    rpoMs: number | null;
    /**
     * Acknowledged writes missing after the restore: `insideRecoveryPoint` were acknowledged before the backup started
     * (the backup promised them: the drill fails), `afterRecoveryPoint` came later (lost by design).
     */
    writesLost: { insideRecoveryPoint: number; afterRecoveryPoint: number } | null;
  };
  phases: PhaseRecord[];
  workload: {
    writers: number;
    invoked: number;
    ok: number;
    fail: number;
    info: number;
    gaveUp: number;
    latencyMs: Record<string, { p50: number; p99: number; max: number }>;
  } | null;
  backup: {
    mode: BackupMode;
    durationMs: number;
    specialModeMs: number | null;
    files: number;
    bytes: number;
    failedAttempts: string[];
  };
  integrity: { source: { count: number; digest: string } | null; restored: { count: number; digest: string } | null };
  restoreAttempts: RestoreAttempt[];
  checks: CheckResult[];
  faults: (FaultRecord & { expected: Outcome; observed: Observed })[];
  /** What the scenario expected of this drill, what had to observe it, and whether it happened (harness/expectation.ts). */
  expectation: Judgement & { declared: Expectation };
  deviations: string[];
  artifacts: ArtifactFile[];
  /** What the checks found about the backup; `unknown` when the drill could not decide (our error, Docker, Ctrl-C). */
  verdict: Verdict;
  /** Set when the run was interrupted (Ctrl-C, SIGTERM) during this drill. */
  interrupted: string | null;
  reasons: string[];
  replay: { seed: number; command: string; args: ReplayArgs | null };
}

/** What `dr-drill replay` needs to rerun a drill started from the command line. */
export interface ReplayArgs {
  engine: string;
  version: string;
  method: string;
  scenario: string;
  restoreInto: string | null;
  rows: number;
  writers: number;
  images: string;
  /** A fault campaign's row: the one drawn fault to apply again, alone. */
  fault?: CampaignFaultSpec;
  /** `--image`: the user's image for the engine. */
  image?: string;
  /** `--schema`: the user's DDL file the drill applied (scenario user-schema). */
  schema?: string;
}

export interface EvidenceImage {
  ref: string;
  id: string;
  source: "official" | "offline" | "user";
}

export interface Initiator {
  user: string;
  host: string;
  ci: { provider: string; actor?: string; commit?: string; ref?: string; runUrl?: string } | null;
}

/** Who started the drill, from CI variables when present (GitHub Actions, GitLab CI, generic CI). */
export function initiatorFromEnv(env: NodeJS.ProcessEnv = process.env): Initiator {
  const base = { user: safeUser(), host: hostname() };
  if (env.GITHUB_ACTIONS === "true") {
    const runUrl =
      env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
        ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
        : undefined;
    return {
      ...base,
      ci: { provider: "github-actions", actor: env.GITHUB_ACTOR, commit: env.GITHUB_SHA, ref: env.GITHUB_REF, runUrl },
    };
  }
  if (env.GITLAB_CI === "true") {
    return {
      ...base,
      ci: {
        provider: "gitlab-ci",
        actor: env.GITLAB_USER_LOGIN,
        commit: env.CI_COMMIT_SHA,
        ref: env.CI_COMMIT_REF_NAME,
        runUrl: env.CI_PIPELINE_URL,
      },
    };
  }
  if (env.CI) return { ...base, ci: { provider: "ci" } };
  return { ...base, ci: null };
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}

/** sha256 and size of every file under `dir`, sorted by path: the integrity manifest of a backup artifact. */
export async function manifestOf(dir: string): Promise<ArtifactFile[]> {
  const files = (await readdir(dir, { withFileTypes: true, recursive: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
  files.sort();
  const out: ArtifactFile[] = [];
  for (const path of files) {
    const hash = createHash("sha256");
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    out.push({ path: relative(dir, path), bytes: (await stat(path)).size, sha256: hash.digest("hex") });
  }
  return out;
}

export function verdictOf(validities: Validity[]): Verdict {
  if (validities.includes(false)) return "fail";
  if (validities.includes("unknown")) return "unknown";
  return "pass";
}

export async function writeEvidence(dir: string, evidence: Evidence): Promise<string> {
  const path = join(dir, "evidence.json");
  await writeFile(path, JSON.stringify(evidence, null, 2) + "\n");
  return path;
}
