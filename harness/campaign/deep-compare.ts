import type { CheckResult } from "../checkers/checker.ts";
import { parseRecordLine, readLines, type CanonicalRecord } from "../records.ts";
import { DEEP_VERIFY } from "./classify.ts";

const MAX_EXAMPLES = 10;

/** The records of a canonical state file whose key `keep` accepts (the restored state the oracle accepted). */
export async function recordsOf(path: string, keep: (key: string) => boolean = () => true): Promise<CanonicalRecord[]> {
  const out: CanonicalRecord[] = [];
  for await (const line of readLines(path)) {
    if (line === "") continue;
    const r = parseRecordLine(line);
    if (keep(r.key)) out.push(r);
  }
  return out;
}

/** Key → digest; a key met twice keeps every digest it had, so a second copy that differs is seen. */
export function byKey(records: readonly CanonicalRecord[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const r of records) {
    const had = map.get(r.key);
    map.set(r.key, had === undefined || had === r.digest ? r.digest : `${had}|${r.digest}`);
  }
  return map;
}

export interface KeyComparison {
  /** Keys both sides hold with the same digest. */
  same: number;
  differ: string[];
  /** In the accepted state, not found by the second read. */
  missing: string[];
  /** Found only by the second read. */
  extra: string[];
}

/** The accepted state (`expected`) against a second read of the same records through another path (`got`). */
export function compareByKey(expected: ReadonlyMap<string, string>, got: ReadonlyMap<string, string>): KeyComparison {
  const c: KeyComparison = { same: 0, differ: [], missing: [], extra: [] };
  for (const [key, digest] of expected) {
    const other = got.get(key);
    if (other === undefined) c.missing.push(key);
    else if (other === digest) c.same++;
    else c.differ.push(key);
  }
  for (const key of got.keys()) if (!expected.has(key)) c.extra.push(key);
  return c;
}

/** One problem line for a comparison that did not match, naming the path of the second read, or undefined. */
export function comparisonProblem(what: string, c: KeyComparison): string | undefined {
  if (c.differ.length + c.missing.length + c.extra.length === 0) return undefined;
  return `${what}: ${c.differ.length} record(s) differ from the accepted state, ${c.missing.length} missing, ${c.extra.length} found only there`;
}

/** Example lines for a comparison, bounded. */
export function comparisonExamples(what: string, c: KeyComparison): string[] {
  return [
    ...c.differ.map((k) => `${k}: another digest ${what}`),
    ...c.missing.map((k) => `${k}: not found ${what}`),
    ...c.extra.map((k) => `${k}: found only ${what}`),
  ].slice(0, MAX_EXAMPLES);
}

/** The `deep-verify` check from the problems found and what was verified clean. */
export function deepVerifyResult(
  problems: string[],
  clean: string,
  details: Record<string, unknown> = {},
  examples: string[] = [],
): CheckResult {
  return {
    name: DEEP_VERIFY,
    valid: problems.length === 0,
    summary: problems.length ? problems.join("; ") : clean,
    details,
    examples: examples.slice(0, 2 * MAX_EXAMPLES),
  };
}

/** The accepted state of a restore (its canonical state file), key → digest; `keep` picks some of its keys. */
export async function acceptedState(path: string, keep?: (key: string) => boolean): Promise<Map<string, string>> {
  return byKey(await recordsOf(path, keep));
}

/** What a deep verification finds, problem by problem (each fails the check) with example lines, then its check. */
export class DeepFindings {
  readonly problems: string[] = [];
  readonly examples: string[] = [];

  add(problem: string, examples: string[] = []): void {
    this.problems.push(problem);
    this.examples.push(...examples);
  }

  /**
   * Compares a second read of the records (`got`, read `how`, e.g. "by _id") with the accepted state: a difference is
   * a problem naming `what` was read, with examples.
   */
  compare(what: string, how: string, expected: ReadonlyMap<string, string>, got: ReadonlyMap<string, string>) {
    const c = compareByKey(expected, got);
    const problem = comparisonProblem(what, c);
    if (problem) this.add(problem, comparisonExamples(how, c));
    return c;
  }

  /** The `deep-verify` check: `clean` says what was verified when nothing was found. */
  result(clean: string, details: Record<string, unknown> = {}): CheckResult {
    return deepVerifyResult(this.problems, clean, details, this.examples);
  }
}
