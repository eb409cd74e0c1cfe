import { join } from "node:path";
import { LineFile } from "../line-file.ts";
import { readLines, sortFile } from "../records.ts";
import type { CheckResult } from "./checker.ts";
import { possibleSources, showKey, surelyApplied, surelyNotApplied, type WriteRow } from "./key-writes.ts";

/**
 * All or none (docs/design.md, "Atomicity"): the keys one atomic ledger entry wrote, within a group the model restores at
 * one instant (all keys for `point-in-time`, one list for `prefix-per-stream`), show that entry applied on every key
 * or on none. The cut check cannot see half an entry: all its keys share one invocation and one completion.
 *
 * Each key of such an entry says "surely applied", "surely not applied" or nothing (`surelyApplied`: values can recur,
 * an `info` write may land late, a `*` write may leave any value); an entry is torn when one key says the one and
 * another key the other. Those statements go to a file sorted by entry on disk, so memory does not grow with the
 * number of entries.
 */
export class AtomicityCheck {
  private readonly out: LineFile;

  constructor(private readonly workDir: string) {
    this.out = new LineFile(join(workDir, "atomicity.tsv"));
  }

  /** Records what one key says about each atomic entry that wrote it; `actual` is its restored digest (undefined: absent). */
  async key(key: string, group: string, writes: WriteRow[], actual: string | undefined): Promise<void> {
    if (!writes.some((w) => w.entry !== undefined)) return;
    const sources = possibleSources(writes, actual);
    for (const [j, w] of writes.entries()) {
      if (w.entry === undefined || w.outcome === "fail") continue;
      const status = surelyApplied(writes, sources, j)
        ? "applied"
        : surelyNotApplied(writes, sources, j)
          ? "not-applied"
          : undefined;
      if (status) this.out.line(`${w.entry}\t${group}\t${status}\t${key}`);
    }
    if (this.out.full) await this.out.flush();
  }

  async result(maxExamples: number): Promise<CheckResult<{ entries: number; torn: number }>> {
    await this.out.close();
    const sorted = join(this.workDir, "atomicity.sorted.tsv");
    await sortFile(this.out.path, sorted, ["1,1", "2,2"], this.workDir);
    let entries = 0;
    let torn = 0;
    const examples: string[] = [];
    let current: { entry: string; group: string; applied?: string; notApplied?: string } | undefined;
    const close = () => {
      if (!current) return;
      entries++;
      const { entry, applied, notApplied } = current;
      if (applied === undefined || notApplied === undefined) return;
      torn++;
      const colon = entry.indexOf(":");
      if (examples.length < maxExamples)
        examples.push(
          `torn entry #${entry.slice(0, colon)} (${entry.slice(colon + 1)})\n  applied on ${showKey(applied)}, not on ${showKey(notApplied)}`,
        );
    };
    for await (const line of readLines(sorted)) {
      if (!line) continue;
      const [entry = "", group = "", status = "", key = ""] = line.split("\t");
      if (current?.entry !== entry || current.group !== group) {
        close();
        current = { entry, group };
      }
      if (status === "applied") current.applied ??= key;
      else current.notApplied ??= key;
    }
    close();
    return {
      name: "atomicity",
      valid: torn === 0,
      summary:
        torn === 0
          ? `every atomic write of several keys is restored whole or not at all (${entries} such write(s) checked)`
          : `${torn} atomic write(s) restored in part: some of their keys hold them, others surely do not`,
      details: { entries, torn },
      examples,
    };
  }
}
