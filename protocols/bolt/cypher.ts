import neo4j from "neo4j-driver";
import type { GraphNode, GraphRel } from "./model.ts";
import { ACCOUNT_LABEL, NODE_LABEL, TRANSFER_TYPE } from "./model.ts";

/**
 * The Cypher the graph drills send, in the subset Neo4j 5 and Memgraph both speak. Labels and relationship types come
 * from the model's fixed lists (never from data) and are always back-quoted, since some hold spaces or non-ASCII.
 * Values always travel as parameters.
 */
export const quoteName = (name: string) => "`" + name.replace(/`/g, "``") + "`";

/** The schema statements differ per engine; everything else is shared. */
export interface CypherDialect {
  /** A unique `uid` on nodes (and relationships, where the engine has such constraints), run once before the load. */
  schema: string[];
}

export const NEO4J_DIALECT: CypherDialect = {
  schema: [
    `CREATE CONSTRAINT node_uid IF NOT EXISTS FOR (n:${NODE_LABEL}) REQUIRE n.uid IS UNIQUE`,
    ...["LINKS", "KNÖWS", TRANSFER_TYPE].map(
      (t, i) => `CREATE CONSTRAINT rel_uid_${i} IF NOT EXISTS FOR ()-[r:${quoteName(t)}]-() REQUIRE r.uid IS UNIQUE`,
    ),
  ],
};

/** Memgraph: node constraints and label-property indexes only (memgraph docs, "Constraints"; no relationship constraints). */
export const MEMGRAPH_DIALECT: CypherDialect = {
  schema: [`CREATE CONSTRAINT ON (n:${NODE_LABEL}) ASSERT n.uid IS UNIQUE`, `CREATE INDEX ON :${NODE_LABEL}(uid)`],
};

const labelsOf = (labels: string[]) => labels.map((l) => `:${quoteName(l)}`).join("");

/** Creates nodes that share one label set: `$rows` is a list of property maps. */
export const createNodesCypher = (labels: string[]) =>
  `UNWIND $rows AS props CREATE (n${labelsOf(labels)}) SET n = props`;

/** Replaces every property of a node (its labels never change). Returns the node's uid when it exists. */
export const UPDATE_NODE = `MATCH (n:${NODE_LABEL} {uid: $uid}) SET n = $props RETURN n.uid AS uid`;
export const DELETE_NODE = `MATCH (n:${NODE_LABEL} {uid: $uid}) DELETE n RETURN count(*) AS deleted`;

/** Creates relationships of one type between existing nodes: `$rows` of `{from, to, props}`. */
export const createRelsCypher = (type: string) =>
  `UNWIND $rows AS r MATCH (a:${NODE_LABEL} {uid: r.from}), (b:${NODE_LABEL} {uid: r.to}) CREATE (a)-[x:${quoteName(type)}]->(b) SET x = r.props RETURN count(x) AS created`;

export const DELETE_REL = `MATCH ()-[r]->() WHERE r.uid = $uid DELETE r RETURN count(*) AS deleted`;

/** One statement, so one transaction: both balances move and the TRANSFER is recorded, or nothing happens. */
export const TRANSFER = `MATCH (a:${ACCOUNT_LABEL} {uid: $from}), (b:${ACCOUNT_LABEL} {uid: $to})
SET a.balance = a.balance - $amount, b.balance = b.balance + $amount
CREATE (a)-[t:${TRANSFER_TYPE}]->(b) SET t = $props RETURN count(t) AS created`;

export const READ_NODES = `MATCH (n:${NODE_LABEL}) RETURN labels(n) AS labels, properties(n) AS props`;
export const READ_RELS = `MATCH (a)-[r]->(b) RETURN type(r) AS type, a.uid AS from, b.uid AS to, properties(r) AS props`;

export const ACCOUNT_FLOWS = `MATCH (a:${ACCOUNT_LABEL})
OPTIONAL MATCH (a)<-[i:${TRANSFER_TYPE}]-()
WITH a, sum(i.amount) AS ins
OPTIONAL MATCH (a)-[o:${TRANSFER_TYPE}]->()
RETURN a.uid AS uid, a.balance AS balance, ins, sum(o.amount) AS outs`;

export const relRow = (r: GraphRel) => ({ from: neo4j.int(r.from), to: neo4j.int(r.to), props: r.props });
export const nodeRows = (nodes: GraphNode[]) => nodes.map((n) => n.props);
