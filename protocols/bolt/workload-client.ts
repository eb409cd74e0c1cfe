import neo4j, { type Session } from "neo4j-driver";
import { ABSENT_DIGEST, UNKNOWN_DIGEST, type KeyWrite } from "../../harness/ledger.ts";
import type { CanonicalRecord } from "../../harness/records.ts";
import type { WorkloadClient, WorkloadOp } from "../../harness/workload.ts";
import {
  balanceKey,
  canonicalNodeText,
  canonicalRelText,
  canonicalValue,
  decimalOf,
  digestOf,
  nodeKey,
  relKey,
  type GraphNode,
  type GraphOp,
  type GraphRel,
} from "./model.ts";
import {
  DELETE_NODE,
  DELETE_REL,
  TRANSFER,
  UPDATE_NODE,
  createNodesCypher,
  createRelsCypher,
  nodeRows,
  relRow,
} from "./cypher.ts";
import { isDefiniteBoltFailure } from "./errors.ts";

/**
 * The records of a node, the same whichever side builds them (the values sent, or what the driver decodes): the digest
 * of its canonical text (`canonicalNodeText`; Bolt has nothing like RETURNING a server-side digest). An account's
 * balance is a record of its own (`node/<uid>#balance`): transfers move it by amounts no client knows, so the ledger
 * accepts any value there and the invariants check it, while the rest of the account (labels, every other property)
 * must come back exactly as loaded.
 */
export function nodeRecords(labels: string[], props: Record<string, unknown>): CanonicalRecord[] {
  const uid = decimalOf(props.uid);
  if (!("balance" in props)) {
    const text = canonicalNodeText(labels, props);
    return [{ key: nodeKey(uid), digest: digestOf(text), preview: text }];
  }
  const { balance, ...rest } = props;
  const text = canonicalNodeText(labels, rest);
  const node = { key: nodeKey(uid), digest: digestOf(text), preview: text };
  const value = canonicalValue(balance);
  return [node, { key: balanceKey(uid), digest: digestOf(value), preview: value }];
}

/** The ledger's view of a node written: its records, previews cut short. */
export function nodeWrites(n: GraphNode): KeyWrite[] {
  return nodeRecords(n.labels, n.props).map((w) => ({ ...w, preview: w.preview.slice(0, 160) }));
}

export function relWrite(r: GraphRel): KeyWrite {
  const text = canonicalRelText(r.type, neo4j.int(r.from), neo4j.int(r.to), r.props);
  return { key: relKey(r.uid), digest: digestOf(text), preview: text.slice(0, 160) };
}

/** The write matched nothing (a MATCH found no node): nothing was written, a definite `fail`. */
class NothingMatched extends Error {}

const TX = { timeout: 10_000 };

/** What each op leaves on its keys, known before it is sent. */
export function writesOf(p: GraphOp, keys: string[]): KeyWrite[] {
  switch (p.kind) {
    case "create-node":
    case "update-node":
      return nodeWrites(p.node);
    case "delete-node":
    case "delete-rel":
      return [{ key: keys[0]!, digest: ABSENT_DIGEST }];
    case "create-rel":
      return [relWrite(p.rel)];
    case "transfer":
      // The balances' new values depend on every other transfer: unknown here, checked by the invariants (the keys
      // are the accounts' balance records, so the rest of each account stays checked as loaded).
      return [relWrite(p.rel), ...keys.slice(1).map((key) => ({ key, digest: UNKNOWN_DIGEST }))];
  }
}

/** One writer's session. Every op is one auto-commit statement: acknowledged when the server confirmed its commit. */
export class GraphWorkloadClient implements WorkloadClient<GraphOp> {
  constructor(private readonly session: Session) {}

  async intended(op: WorkloadOp<GraphOp>): Promise<KeyWrite[]> {
    return writesOf(op.payload, op.keys);
  }

  async apply(op: WorkloadOp<GraphOp>): Promise<KeyWrite[]> {
    const p = op.payload;
    const counted = async (query: string, params: Record<string, unknown>, column: string) => {
      const result = await this.session.run(query, params, TX);
      const n = Number(result.records[0]?.get(column) ?? 0);
      if (p.kind !== "delete-node" && p.kind !== "delete-rel" && n !== 1)
        throw new NothingMatched(`${op.kind} ${op.keys[0]}: ${n} matched`);
    };
    switch (p.kind) {
      case "create-node":
        await this.session.run(createNodesCypher(p.node.labels), { rows: nodeRows([p.node]) }, TX);
        break;
      case "update-node": {
        const result = await this.session.run(UPDATE_NODE, { uid: neo4j.int(p.node.uid), props: p.node.props }, TX);
        if (result.records.length !== 1) throw new NothingMatched(`${op.keys[0]} does not exist`);
        break;
      }
      case "delete-node":
        // A node this writer created and whose create may not have happened: deleting nothing leaves it absent all the same.
        await counted(DELETE_NODE, { uid: neo4j.int(p.uid) }, "deleted");
        break;
      case "delete-rel":
        await counted(DELETE_REL, { uid: neo4j.int(p.uid) }, "deleted");
        break;
      case "create-rel":
        await counted(createRelsCypher(p.rel.type), { rows: [relRow(p.rel)] }, "created");
        break;
      case "transfer":
        await counted(
          TRANSFER,
          { from: neo4j.int(p.rel.from), to: neo4j.int(p.rel.to), amount: neo4j.int(p.amount), props: p.rel.props },
          "created",
        );
        break;
    }
    return writesOf(p, op.keys);
  }

  isDefiniteFailure(err: unknown): boolean {
    return err instanceof NothingMatched || isDefiniteBoltFailure(err);
  }

  async close(): Promise<void> {
    await this.session.close();
  }
}
