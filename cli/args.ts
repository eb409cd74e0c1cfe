import { parseArgs, type ParseArgsConfig } from "node:util";
import { InputError } from "../harness/errors.ts";

/** A usage error: the message names the bad flag or value and what is accepted. */
export class UsageError extends InputError {}

export function parse(args: string[], options: NonNullable<ParseArgsConfig["options"]>, positionals = false) {
  try {
    const { values, positionals: rest } = parseArgs({ args, options, allowPositionals: positionals, strict: true });
    return { values: values as Record<string, string | boolean | undefined>, positionals: rest };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function parseDuration(value: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value.trim());
  if (!m) throw new UsageError(`${flag} "${value}" is not a duration; use e.g. 500ms, 90s, 2m`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
}

export function nonNegativeInt(value: string | number | boolean | undefined, flag: string, fallback: number): number {
  return intAtLeast(0, value, flag, fallback);
}

/** A count that must not be zero, e.g. `--rows`: a drill of no data proves nothing. */
export function positiveInt(value: string | number | boolean | undefined, flag: string, fallback: number): number {
  return intAtLeast(1, value, flag, fallback);
}

function intAtLeast(min: 0 | 1, value: string | number | boolean | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be a ${min === 0 ? "non-negative" : "positive"} integer, got "${value}"`);
  return n;
}

/** A comma-separated list whose items must all be known. */
export function list(value: string | boolean | undefined, allowed: string[], flag: string, fallback: string[]): string[] {
  if (value === undefined) return fallback;
  const items = String(value).split(",").map((s) => s.trim()).filter(Boolean);
  for (const item of items) if (!allowed.includes(item)) throw new UsageError(`${flag}: unknown value "${item}"; known: ${allowed.join(", ")}`);
  return items;
}

/** The first value given and where it came from (a flag, an environment variable, a config key), for error messages. */
export function firstGiven(...candidates: [value: string | boolean | undefined, origin: string][]): [value: string | undefined, origin: string] {
  const hit = candidates.find(([value]) => typeof value === "string");
  return hit ? [hit[0] as string, hit[1]] : [undefined, "default"];
}
