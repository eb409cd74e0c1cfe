import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { CheckResult } from "../../harness/checkers/checker.ts";
import type { QuestDbArtifact } from "./artifact.ts";
import { majorOf } from "./versions.ts";

/** The checks on a backup before restoring it: what QuestDB's recovery needs, and whether the versions may meet. */
export async function preflightChecks(artifact: QuestDbArtifact, targetVersion: string): Promise<CheckResult[]> {
  if (artifact.procedure === "tables-one-by-one")
    return [rawCopyWarning(), await tableMetadata(artifact.dir, "db"), versionCheck(artifact, targetVersion)];
  return [...(await checkpointChecks(artifact)), versionCheck(artifact, targetVersion)];
}

async function checkpointChecks(artifact: QuestDbArtifact): Promise<CheckResult[]> {
  const cpDir = artifact.checkpointSql === "checkpoint" ? ".checkpoint" : "snapshot";
  const hasDir = existsSync(join(artifact.dir, cpDir, "db"));
  const dirCheck: CheckResult = {
    name: "preflight:checkpoint-dir",
    valid: hasDir,
    summary: hasDir
      ? `${cpDir}/db present`
      : `the backup has no ${cpDir}/ directory: the copy tool skipped it (dot-directories are skipped by globs such as cp <root>/*); QuestDB cannot recover without it`,
  };
  if (!hasDir) return [dirCheck];
  const meta = artifact.checkpointSql === "checkpoint" ? "_checkpoint_meta.d" : "_snapshot";
  const hasMeta = existsSync(join(artifact.dir, cpDir, "db", meta));
  return [
    dirCheck,
    {
      name: "preflight:checkpoint-meta",
      valid: hasMeta,
      summary: hasMeta
        ? `${cpDir}/db/${meta} present`
        : `${cpDir}/db/${meta} missing: the recovery will refuse this backup`,
    },
    await tableMetadata(artifact.dir, join(cpDir, "db")),
  ];
}

/** Every table directory under `rel` has the files QuestDB opens a table with. */
async function tableMetadata(artifactDir: string, rel: string): Promise<CheckResult> {
  const missing: string[] = [];
  let tables = 0;
  for (const entry of await readdir(join(artifactDir, rel), { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    tables++;
    for (const f of ["_meta", "_txn", "_cv"])
      if (!existsSync(join(artifactDir, rel, entry.name, f))) missing.push(`${entry.name}/${f}`);
  }
  return {
    name: "preflight:table-metadata",
    valid: missing.length === 0 && tables > 0,
    summary:
      missing.length === 0
        ? `${tables} tables with _meta, _txn and _cv in ${rel}`
        : `table metadata missing in ${rel}: ${missing.slice(0, 10).join(", ")}`,
    ...(missing.length ? { examples: missing.slice(0, 20) } : {}),
  };
}

/**
 * A copy without a checkpoint gives QuestDB nothing to recover to: whether the whole is consistent, only the oracle can
 * tell. Not "unknown": that would leave a torn copy the oracle missed undecided instead of missed.
 */
function rawCopyWarning(): CheckResult {
  return {
    name: "preflight:procedure",
    valid: true,
    summary:
      "warning: the tables were copied one by one without a checkpoint: QuestDB serves each table as copied; whether they form one point in time is for the oracle to decide",
  };
}

function versionCheck(artifact: QuestDbArtifact, targetVersion: string): CheckResult {
  const sameMajor = majorOf(artifact.sourceVersion) === majorOf(targetVersion);
  return {
    name: "preflight:version",
    // The docs allow a restore only within one major. Across majors this check does not decide: the restore itself
    // does (refused, migrated forward, or worse) and the oracle says what came up. It must not say "unknown": one
    // unknown check makes the verdict unknown, and a pair that restores every record could then never be recorded
    // as restored (harness/expectation.ts judges an unknown verdict "undecided").
    valid: true,
    summary: sameMajor
      ? `backup from QuestDB ${artifact.sourceVersion}, target ${targetVersion}: same major version`
      : `backup from QuestDB ${artifact.sourceVersion} restored into ${targetVersion}: another major version, which the docs do not support; the restore and the oracle decide`,
  };
}
