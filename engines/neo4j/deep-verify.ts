import { statSync } from "node:fs";
import { join } from "node:path";
import type { CheckResult } from "../../harness/checkers/checker.ts";
import type { StateSummary } from "../../harness/checkers/equivalence.ts";
import type { DrillRuntime } from "../../harness/engine.ts";
import type { CanonicalRecord } from "../../harness/records.ts";
import { withToolbox } from "../../harness/runtime/toolbox.ts";
import { acceptedState, byKey, DeepFindings } from "../../harness/campaign/deep-compare.ts";
import { NODE_LABEL, REL_TYPES, TRANSFER_TYPE } from "../../protocols/bolt/model.ts";
import { quoteName } from "../../protocols/bolt/cypher.ts";
import { NEO4J_DATA } from "./container.ts";
import type { Neo4jNode } from "./node.ts";
import { adminFailure } from "./preflight.ts";

/** Each node by its `uid` through the unique constraint's index, never a label scan (USING INDEX fails without it). */
const NODE_BY_UID = `UNWIND $uids AS u MATCH (n:${quoteName(NODE_LABEL)}) USING INDEX n:${quoteName(NODE_LABEL)}(uid) WHERE n.uid = u RETURN labels(n) AS labels, properties(n) AS props`;
const relByUid = (type: string) =>
  `UNWIND $uids AS u MATCH (a)-[r:${quoteName(type)}]->(b) USING INDEX r:${quoteName(type)}(uid) WHERE r.uid = u RETURN type(r) AS type, a.uid AS from, b.uid AS to, properties(r) AS props`;

const uidsOf = (keys: Iterable<string>, prefix: string) =>
  [...keys].filter((k) => k.startsWith(prefix) && !k.includes("#")).map((k) => Number(k.slice(prefix.length)));

/**
 * The deep verification of a restored Neo4j whose drill passed: every node read again by its `uid` through the unique
 * constraint's index and every relationship through its type's `uid` index (the drill reads them by label and
 * pattern scans), compared with the accepted state; then the server is stopped and `neo4j-admin database check neo4j`
 * (the consistency checker: store records, indexes, counts) runs on its volume. The node stays stopped: the drill
 * destroys it next.
 */
export async function neo4jDeepVerify(node: Neo4jNode, restored: StateSummary, rt: DrillRuntime): Promise<CheckResult> {
  const accepted = await acceptedState(restored.path);
  const read: CanonicalRecord[] = [];
  await node.readByUid(NODE_BY_UID, uidsOf(accepted.keys(), "node/"), (r) => read.push(r));
  const relUids = uidsOf(accepted.keys(), "rel/");
  for (const type of [...REL_TYPES, TRANSFER_TYPE]) await node.readByUid(relByUid(type), relUids, (r) => read.push(r));
  const findings = new DeepFindings();
  const c = findings.compare(
    "nodes and relationships read by uid through their indexes",
    "through the index",
    accepted,
    byKey(read),
  );
  await node.stop();
  const check = await withToolbox(
    { image: node.image.ref, labels: rt.labels, volumes: [{ name: node.volume, path: NEO4J_DATA }] },
    (box) => box.exec(["neo4j-admin", "database", "check", "neo4j", "--report-path=/tmp"], "neo4j"),
  );
  if (check.exitCode !== 0)
    findings.add(
      `neo4j-admin database check exited ${check.exitCode}: ${adminFailure(check.output)}`,
      check.output
        .split("\n")
        .filter((l) => /inconsisten|ERROR/i.test(l))
        .slice(0, 10),
    );
  return findings.result(
    `${c.same} nodes, balances and relationships read by uid through their indexes equal the accepted state; neo4j-admin database check neo4j found the store consistent`,
    { checkExit: check.exitCode, checkOutput: check.output.slice(-2000) },
  );
}

/** The record store a `neostore.*` file belongs to. */
function storeOf(name: string): string {
  if (name.endsWith(".id")) return "id file";
  const stores: [RegExp, string][] = [
    [/^neostore$/, "neostore (metadata)"],
    [/tokenstore|relationshiptypestore|propertystore\.db\.index/, "token store"],
    [/nodestore/, "node store"],
    [/relationship(group)?store/, "relationship store"],
    [/propertystore/, "property store"],
    [/schemastore/, "schema store"],
    [/counts/, "counts store"],
    [/indexstats/, "index statistics"],
  ];
  return stores.find(([re]) => re.test(name))?.[1] ?? `store other (${name})`;
}

/** What a file of a Neo4j backup is: the dump by offset (its 4-byte format magic, then the archive), or a store file by name. */
export function neo4jFileKind(dir: string, path: string, at: number | undefined): string {
  const name = path.split("/").at(-1)!;
  if (statSync(join(dir, path), { throwIfNoEntry: false })?.isDirectory()) return `directory ${path}`;
  if (name.endsWith(".dump"))
    return at === undefined ? "dump (whole file)" : at < 4 ? "dump format magic" : "dump archive";
  const db = /^databases\/([^/]+)\//.exec(path)?.[1];
  const where = db === "neo4j" ? "" : ` (${db})`;
  if (path.startsWith("transactions/"))
    return `${name.startsWith("neostore.transaction.db") ? "transaction log" : `transactions other (${name})`}${path.startsWith("transactions/neo4j/") ? "" : " (system)"}`;
  if (db && path.includes("/schema/")) return `schema/index${where}`;
  if (db && name.startsWith("neostore")) return `${storeOf(name)}${where}`;
  if (db) return `database other (${name})${where}`;
  return `other (${path.split("/")[0]})`;
}
