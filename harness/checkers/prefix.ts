import { ABSENT_DIGEST, UNKNOWN_DIGEST } from "../ledger.ts";
import { LIST_SEPARATOR } from "../records.ts";
import type { CheckResult } from "./checker.ts";
import { possibleSources, showKey, surelyNotApplied, type WriteRow } from "./key-writes.ts";

interface Item {
  seq: bigint;
  key: string;
}

/**
 * A contiguous prefix per list (model `prefix-per-stream`, docs/design.md, "Atomicity"): within a list (`<list>␟<seq>`
 * keys), no item is present after an item whose acknowledged append surely did not take effect. "After" is the order
 * of the sequence numbers as numbers: the key schemes zero-pad them (8 digits for event streams, 9 for MQTT queues) so
 * byte order is append order only while they fit; items whose sequence is not a number (a stream's `~state`) are not
 * items. A missing item needs an `ok` append of a known value that no possible source of the absence follows
 * (`surelyNotApplied`): an `info` or failed append may never have happened, and an item deleted or pushed out of a
 * `$maxCount` window later is absent by design.
 *
 * Per list only the lowest missing and the highest present item are kept, so the order of the pass does not matter
 * and memory does not grow with a list's length.
 */
export class PrefixCheck {
  private list: { name: string; missing?: Item; present?: Item } | undefined;
  private lists = 0;
  private gaps = 0;
  private readonly examples: string[] = [];

  constructor(private readonly maxExamples: number) {}

  /** One key of the pass, in key order; `actual` is its restored digest (undefined: absent), `valid` its verdict. */
  key(key: string, writes: WriteRow[], actual: string | undefined, valid: boolean): void {
    const at = key.indexOf(LIST_SEPARATOR);
    const name = at < 0 ? undefined : key.slice(0, at);
    if (this.list?.name !== name) {
      this.close();
      this.list = name === undefined ? undefined : { name };
    }
    const digits = key.slice(at + 1);
    if (!this.list || !/^\d+$/.test(digits)) return;
    const item = { seq: BigInt(digits), key };
    const list = this.list;
    if (actual !== undefined) {
      if (valid && (!list.present || item.seq > list.present.seq)) list.present = item;
      return;
    }
    const sources = possibleSources(writes, actual);
    const missing = writes.some(
      (w, j) =>
        w.outcome === "ok" &&
        w.digest !== ABSENT_DIGEST &&
        w.digest !== UNKNOWN_DIGEST &&
        surelyNotApplied(writes, sources, j),
    );
    if (missing && (!list.missing || item.seq < list.missing.seq)) list.missing = item;
  }

  private close(): void {
    if (!this.list) return;
    const { name, missing, present } = this.list;
    this.list = undefined;
    if (!missing && !present) return;
    this.lists++;
    if (!missing || !present || missing.seq > present.seq) return;
    this.gaps++;
    if (this.examples.length < this.maxExamples)
      this.examples.push(
        `gap in ${showKey(name)}\n  ${showKey(missing.key)} is missing, acknowledged, while ${showKey(present.key)} after it is present`,
      );
  }

  result(): CheckResult<{ lists: number; gaps: number }> {
    this.close();
    return {
      name: "prefix",
      valid: this.gaps === 0,
      summary:
        this.gaps === 0
          ? `every list is restored as a contiguous prefix of what was acknowledged for it (${this.lists} list(s) checked)`
          : `${this.gaps} of ${this.lists} list(s) have a gap: an acknowledged item missing before one that is present`,
      details: { lists: this.lists, gaps: this.gaps },
      examples: this.examples,
    };
  }
}
