import { join } from "node:path";
import { mergeJoin, parseRecordLine, sortFile } from "../records.ts";
import type { CheckResult } from "./checker.ts";

export interface StateSummary {
  path: string;
  count: number;
  digest: string;
}

/** Both sides' counts and digests; on a mismatch, how many keys are missing, extra and differing. */
export interface EquivalenceDetails {
  sourceCount: number;
  restoredCount: number;
  sourceDigest: string;
  restoredDigest: string;
  missing?: number;
  extra?: number;
  differing?: number;
}

/**
 * Exact equivalence of two canonical states (used when nothing wrote during the backup): equal counts and equal
 * order-independent digests. On a mismatch both files are sorted on disk and merged to list the first differences.
 */
export async function checkEquivalence(
  source: StateSummary,
  restored: StateSummary,
  workDir: string,
  maxExamples = 20,
): Promise<CheckResult<EquivalenceDetails>> {
  const details = {
    sourceCount: source.count,
    restoredCount: restored.count,
    sourceDigest: source.digest,
    restoredDigest: restored.digest,
  };
  if (source.count === restored.count && source.digest === restored.digest) {
    return {
      name: "exact-equivalence",
      valid: true,
      summary: `restored state equals the source: ${source.count} records, digest ${source.digest.slice(0, 16)}…`,
      details,
    };
  }
  const sortedSource = join(workDir, "source.sorted.tsv");
  const sortedRestored = join(workDir, "restored.sorted.tsv");
  await sortFile(source.path, sortedSource, ["1,1"], workDir);
  await sortFile(restored.path, sortedRestored, ["1,1"], workDir);
  const counts = { missing: 0, extra: 0, differing: 0 };
  const examples: string[] = [];
  for await (const { key, left, right } of mergeJoin(sortedSource, sortedRestored)) {
    const want = left
      .map(parseRecordLine)
      .map((r) => r.digest)
      .sort()
      .join(",");
    const got = right
      .map(parseRecordLine)
      .map((r) => r.digest)
      .sort()
      .join(",");
    if (want === got) continue;
    const kind = right.length === 0 ? "missing" : left.length === 0 ? "extra" : "differing";
    counts[kind]++;
    if (examples.length < maxExamples) {
      const src = left[0] ? parseRecordLine(left[0]).preview : "(absent)";
      const dst = right[0] ? parseRecordLine(right[0]).preview : "(absent)";
      examples.push(`${kind} ${key}\n  source:   ${src}\n  restored: ${dst}`);
    }
  }
  return {
    name: "exact-equivalence",
    valid: false,
    summary: `restored state differs from the source: ${counts.missing} missing, ${counts.extra} extra, ${counts.differing} differing (source ${source.count} records, restored ${restored.count})`,
    details: { ...details, ...counts },
    examples,
  };
}
