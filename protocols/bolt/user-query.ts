import neo4j, { type Session } from "neo4j-driver";
import { boltEngineErrors } from "./errors.ts";

const isTemporal = (v: unknown) =>
  neo4j.isDate(v) ||
  neo4j.isDateTime(v) ||
  neo4j.isLocalDateTime(v) ||
  neo4j.isLocalTime(v) ||
  neo4j.isTime(v) ||
  neo4j.isDuration(v) ||
  neo4j.isPoint(v);

/** A driver value made plain for JSON: integers as numbers (as text past 2^53), graph entities by labels/type and properties. */
function plain(v: unknown): unknown {
  if (neo4j.isInt(v)) return v.inSafeRange() ? v.toNumber() : v.toString();
  if (isTemporal(v)) return String(v);
  if (Array.isArray(v)) return v.map(plain);
  if (neo4j.isNode(v)) return { labels: v.labels, properties: plain(v.properties) };
  if (neo4j.isRelationship(v)) return { type: v.type, properties: plain(v.properties) };
  if (neo4j.isPath(v)) return v.segments.map((s) => plain(s.relationship));
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/**
 * A Cypher value as text for a user's check, as PostgreSQL's are (protocols/pg/rows.ts): null as the empty string,
 * integers in decimal, text as it is, temporals in ISO form, lists, maps, nodes and relationships as JSON.
 */
export function cypherCellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  const p = plain(v);
  return typeof p === "object" && p !== null ? JSON.stringify(p) : String(p);
}

/**
 * A user's Cypher (`verify --checks`) in a read transaction: a check must not change what the next one reads, and
 * the server refuses a write in it in its own words (an `EngineError`). Rows of text cells, columns in order.
 */
export async function readCypher(session: Session, text: string): Promise<string[][]> {
  const result = await boltEngineErrors(() => session.executeRead((tx) => tx.run(text)));
  return result.records.map((r) => r.keys.map((k) => cypherCellText(r.get(k))));
}
