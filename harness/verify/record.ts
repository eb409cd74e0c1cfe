import type { ArtifactFile, Initiator } from "../evidence.ts";
import type { Retention, TestedArtifact } from "../report/audit.ts";
import type { toolOf } from "../report/run-evidence.ts";
import type { Fingerprint } from "./fingerprint.ts";
import type { VerifyResult } from "./run.ts";

/** @2: the artifact as an auditor reads it (age at test, maximum age), the statement in sentences, the retention. */
export const VERIFICATION_SCHEMA = "dr-drill/verification@2";
export const VERIFICATION_FILE = "verification.json";

/** A verification's record, as `verification.json` holds it. */
export interface Verification {
  schema: typeof VERIFICATION_SCHEMA;
  /** The record in sentences an auditor reads (statement.ts), the no-ledger sentence among them. */
  statement: string[];
  runId: string;
  verifyId: string;
  startedAt: string;
  endedAt: string;
  tool: ReturnType<typeof toolOf>;
  initiator: Initiator;
  /** The artifact with every file of it and its own SHA-256 (a one-file artifact: itself). */
  artifact: TestedArtifact & { files: ArtifactFile[] };
  scope: Pick<VerifyResult, "engine" | "version" | "method" | "sourceVersion" | "backupTool" | "images">;
  verdict: VerifyResult["verdict"];
  undecided: string | null;
  interrupted: string | null;
  checks: VerifyResult["checks"];
  /** Every check that did not hold, one line each, and why the verify could not decide. */
  reasons: string[];
  rto: VerifyResult["rto"];
  restoredRecords: number | null;
  fingerprint: Fingerprint | null;
  comparedWith: string | null;
  phases: VerifyResult["phases"];
  retention: Retention;
}
