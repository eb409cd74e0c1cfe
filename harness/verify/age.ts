import type { CheckResult } from "../checkers/checker.ts";

/** A duration as people write it: 26h 5m, 3m 12s, 850ms. */
export function humanDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  if (h) return `${h}h${m ? ` ${m}m` : ""}`;
  if (m) return `${m}m${sec ? ` ${sec}s` : ""}`;
  return `${(ms / 1000).toFixed(1)}s`;
}

/** `--max-age`: an artifact older than the stated age at test time fails `artifact-age`, whatever it restores. */
export function ageCheck(modifiedAt: Date | null, now: Date, maxAgeMs: number): CheckResult {
  if (!modifiedAt)
    return {
      name: "artifact-age",
      valid: "unknown",
      summary: "the artifact's time is not known: its age cannot be checked",
    };
  const age = now.getTime() - modifiedAt.getTime();
  const ok = age <= maxAgeMs;
  return {
    name: "artifact-age",
    valid: ok,
    summary: `artifact written ${modifiedAt.toISOString()}, ${humanDuration(Math.max(0, age))} old at test time: ${ok ? "within" : "older than"} --max-age ${humanDuration(maxAgeMs)}`,
    details: { ageMs: age, maxAgeMs, modifiedAt: modifiedAt.toISOString() },
  };
}
