import neo4j from "neo4j-driver";
import type { CheckResult } from "../../harness/checkers/checker.ts";
import { isEngineError } from "../../harness/engine-error.ts";
import { boltEngineErrors } from "../../protocols/bolt/errors.ts";
import { quoteName } from "../../protocols/bolt/cypher.ts";
import { NODE_LABEL, REL_TYPES, TRANSFER_TYPE } from "../../protocols/bolt/model.ts";

export const UID_INDEX_CHECK = "invariant:uid-index";

/** Seeks per query: one round trip for this many uids. */
const SEEK_BATCH = 5_000;

/** What a Bolt session offers this check: a query whose rows stream (neo4j-driver's `Session` is one). */
export interface CypherSource {
  run(cypher: string, params?: Record<string, unknown>): AsyncIterable<{ get(key: string): unknown }>;
}

/** Entities of one kind read twice: by a scan (what the drill's read-back does) and by a seek through the uid index. */
interface IndexPath {
  what: string;
  scan: string;
  seek: string;
}

const label = quoteName(NODE_LABEL);
const relPath = (type: string): IndexPath => {
  const t = quoteName(type);
  return {
    what: `:${type} relationship`,
    scan: `MATCH ()-[r:${t}]->() RETURN r.uid AS uid, elementId(r) AS id`,
    seek: `UNWIND $uids AS u MATCH ()-[r:${t}]->() USING INDEX r:${t}(uid) WHERE r.uid = u RETURN u AS asked, elementId(r) AS id`,
  };
};

/**
 * The unique constraints' range indexes on `uid` (protocols/bolt/cypher.ts NEO4J_DIALECT): `USING INDEX` makes Neo4j
 * seek through the index or fail the query, never fall back to a scan.
 */
export const UID_INDEX_PATHS: IndexPath[] = [
  {
    what: `:${NODE_LABEL} node`,
    scan: `MATCH (n:${label}) RETURN n.uid AS uid, elementId(n) AS id`,
    seek: `UNWIND $uids AS u MATCH (n:${label}) USING INDEX n:${label}(uid) WHERE n.uid = u RETURN u AS asked, elementId(n) AS id`,
  },
  ...[...REL_TYPES, TRANSFER_TYPE].map(relPath),
];

/** One uid as asked by the seek and the element it led to. */
export interface Seek {
  asked: string;
  id: string;
}

/**
 * Where the index disagrees with the store: an entity the scan serves that the seek by its uid does not find (a stale
 * or truncated index: an application's lookup by key returns nothing), or finds as another element, or finds twice.
 */
export function indexDisagreements(what: string, scanned: Map<string, string>, seeks: Seek[]): string[] {
  const found = new Map<string, string[]>();
  for (const s of seeks) found.set(s.asked, [...(found.get(s.asked) ?? []), s.id]);
  const problems: string[] = [];
  for (const [uid, id] of scanned) {
    const ids = found.get(uid) ?? [];
    if (ids.length === 0) problems.push(`${what} uid ${uid}: served by a scan, not found through its uid index`);
    else if (ids.length > 1 || ids[0] !== id)
      problems.push(`${what} uid ${uid}: the scan serves ${id}, its uid index leads to ${ids.join(", ")}`);
  }
  return problems;
}

async function seekAll(source: CypherSource, path: IndexPath, uids: string[]): Promise<Seek[]> {
  const seeks: Seek[] = [];
  for (let i = 0; i < uids.length; i += SEEK_BATCH) {
    const batch = uids.slice(i, i + SEEK_BATCH).map((u) => neo4j.int(u));
    for await (const r of source.run(path.seek, { uids: batch }))
      seeks.push({ asked: String(r.get("asked")), id: String(r.get("id")) });
  }
  return seeks;
}

/** Every node and relationship a scan serves, sought again by its uid through its index: both paths must agree. */
async function disagreements(source: CypherSource): Promise<{ problems: string[]; entities: number }> {
  const problems: string[] = [];
  let entities = 0;
  for (const path of UID_INDEX_PATHS) {
    const scanned = new Map<string, string>();
    for await (const r of source.run(path.scan)) {
      const uid = r.get("uid");
      const id = String(r.get("id"));
      entities++;
      if (uid === null || uid === undefined) problems.push(`${path.what} ${id}: served without a uid`);
      else if (scanned.has(String(uid)))
        problems.push(`${path.what} uid ${String(uid)}: served twice by a scan (${scanned.get(String(uid))}, ${id})`);
      else scanned.set(String(uid), id);
    }
    problems.push(...indexDisagreements(path.what, scanned, await seekAll(source, path, [...scanned.keys()])));
  }
  return { problems, entities };
}

/**
 * `invariant:uid-index`: the drill's read-back scans by label and pattern, so a stale or damaged index that Neo4j
 * starts on without a word (a cold copy's older `schema/index/range-1.0/…` file: docs/campaign.md) would pass it
 * while every lookup by key answers wrong. An error Neo4j returns while seeking is its own word: the check fails.
 */
export async function uidIndexCheck(source: CypherSource): Promise<CheckResult> {
  try {
    const { problems, entities } = await boltEngineErrors(() => disagreements(source));
    return {
      name: UID_INDEX_CHECK,
      valid: problems.length === 0,
      summary:
        problems.length === 0
          ? `each of ${entities} nodes and relationships a scan serves is found through its uid index, the same element`
          : `${problems.length} of ${entities} nodes and relationships disagree between a scan and their uid index: ${problems[0]}`,
      ...(problems.length ? { examples: problems.slice(0, 20) } : {}),
    };
  } catch (err) {
    if (!isEngineError(err)) throw err;
    return { name: UID_INDEX_CHECK, valid: false, summary: `Neo4j could not seek through a uid index: ${err.message}` };
  }
}
