import { LIST_SEPARATOR, MultisetDigest, parseRecordLine, readLines } from "../records.ts";

/** One group of the restored state (a table, a label, a kind of MQTT state, a stream): its count and digest. */
export interface GroupPrint {
  count: number;
  /** Order-independent digest of the group's canonical records (`MultisetDigest`). */
  digest: string;
}

/** What was restored, per group: what `--compare-with` sets tonight's verify against last night's. */
export type Fingerprint = Record<string, GroupPrint>;

/**
 * The group of a canonical key: a list item (`<list>\u001f<seq>`: a stream, a session's queue) belongs to its list,
 * any other key to its collection (`<table>/<id>` → `table`, a label, `retained`).
 */
export function groupOf(key: string): string {
  const sep = key.indexOf(LIST_SEPARATOR);
  if (sep >= 0) return key.slice(0, sep);
  const slash = key.indexOf("/");
  return slash < 0 ? key : key.slice(0, slash);
}

/** Streams a canonical state file once and fingerprints it per group. */
export async function fingerprintOf(statePath: string): Promise<Fingerprint> {
  const groups = new Map<string, MultisetDigest>();
  for await (const line of readLines(statePath)) {
    if (!line) continue;
    const record = parseRecordLine(line);
    const group = groupOf(record.key);
    let digest = groups.get(group);
    if (!digest) groups.set(group, (digest = new MultisetDigest()));
    digest.add(record);
  }
  return Object.fromEntries(
    [...groups.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([g, d]) => [g, { count: d.count, digest: d.hex() }]),
  );
}
