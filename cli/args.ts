import { InputError } from "../harness/errors.ts";

/** A usage error: the message names the bad flag, variable or config key, and what is accepted. */
export class UsageError extends InputError {}

export function parseDuration(value: string, origin: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim());
  if (!m) throw new UsageError(`${origin} "${value}" is not a duration; use e.g. 500ms, 90s, 2m, 26h, 400d`);
  return (
    Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "ms" | "s" | "m" | "h" | "d"]
  );
}

/**
 * A whole number of at least `min`, written in digits only: "1e3", "0x10", "12abc", "" and "-5" are refused, where
 * Number() would accept some of them. `min` 1 is for counts that must not be zero, e.g. `--rows`: a drill of no data
 * proves nothing.
 */
export function wholeNumber(value: string, origin: string, min: 0 | 1): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`${origin} must be a ${min === 0 ? "non-negative" : "positive"} integer, got "${value}"`);
  }
  return n;
}

/** The known name closest to a mistyped one, when it is close enough to be the one meant. */
export function closest(value: string, known: string[]): string | undefined {
  const scored = known
    .map((k) => ({ k, d: editDistance(value.toLowerCase(), k.toLowerCase()) }))
    .sort((a, b) => a.d - b.d);
  const best = scored[0];
  return best && best.d <= Math.max(1, Math.floor(best.k.length / 3)) ? best.k : undefined;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** A comma-separated list whose items must all be known; a near miss is named ("did you mean …?"). */
export function list(value: string | undefined, allowed: string[], flag: string, fallback: string[]): string[] {
  if (value === undefined) return fallback;
  const items = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const item of items) {
    if (allowed.includes(item)) continue;
    const near = closest(item, allowed);
    throw new UsageError(
      `${flag}: unknown value "${item}"; ${near ? `did you mean "${near}"? ` : ""}known: ${allowed.join(", ")}`,
    );
  }
  return items;
}

/** The first value given and where it came from (a flag, an environment variable, a config key), for error messages. */
export function firstGiven(
  ...candidates: [value: string | undefined, origin: string][]
): [value: string | undefined, origin: string] {
  const hit = candidates.find(([value]) => value !== undefined);
  return hit ?? [undefined, "default"];
}
