import type { CheckResult } from "../checkers/checker.ts";
import type { Fingerprint } from "./fingerprint.ts";

/** How tonight's fingerprint differs from an earlier verify's, group by group. */
export interface FingerprintChanges {
  shrank: string[];
  vanished: string[];
  /** Digest changed on a group marked append-only whose count did not shrink (rewritten history). */
  rewritten: string[];
  /** Groups that grew or are new: expected, listed for the record. */
  grew: string[];
  appeared: string[];
}

export function fingerprintChanges(before: Fingerprint, now: Fingerprint, appendOnly: string[]): FingerprintChanges {
  const out: FingerprintChanges = { shrank: [], vanished: [], rewritten: [], grew: [], appeared: [] };
  for (const [group, was] of Object.entries(before)) {
    const is = now[group];
    if (!is) out.vanished.push(`${group} (had ${was.count})`);
    else if (is.count < was.count) out.shrank.push(`${group}: ${was.count} → ${is.count}`);
    else {
      if (is.count > was.count) out.grew.push(`${group}: ${was.count} → ${is.count}`);
      // Equal counts and another digest: rows rewritten in place. A group that grew can only be told apart row by row,
      // which a fingerprint cannot: an append-only group that grew is not claimed rewritten.
      if (appendOnly.includes(group) && is.count === was.count && is.digest !== was.digest)
        out.rewritten.push(
          `${group}: ${was.count} records, digest ${was.digest.slice(0, 12)} → ${is.digest.slice(0, 12)}`,
        );
    }
  }
  for (const group of Object.keys(now)) if (!(group in before)) out.appeared.push(group);
  return out;
}

/** The `compare-with` check: fails when a group shrank or vanished, or an append-only group was rewritten. */
export function compareCheck(before: Fingerprint, now: Fingerprint, appendOnly: string[], from: string): CheckResult {
  const c = fingerprintChanges(before, now, appendOnly);
  const problems = [
    ...c.vanished.map((g) => `vanished: ${g}`),
    ...c.shrank.map((g) => `shrank: ${g}`),
    ...c.rewritten.map((g) => `append-only rewritten: ${g}`),
  ];
  return {
    name: "compare-with",
    valid: problems.length === 0,
    summary: problems.length
      ? `against ${from}: ${problems.join("; ")}`
      : `against ${from}: no group shrank or vanished${appendOnly.length ? `, no append-only group rewritten (${appendOnly.join(", ")})` : ""}${c.grew.length ? `; grew: ${c.grew.join(", ")}` : ""}`,
    details: c,
    ...(problems.length ? { examples: problems } : {}),
  };
}
