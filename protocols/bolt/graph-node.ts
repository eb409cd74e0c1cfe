import neo4j, { type Driver, type Session } from "neo4j-driver";
import type { CheckResult } from "../../harness/checkers/checker.ts";
import { EngineError } from "../../harness/engine-error.ts";
import type { DatasetSpec, EngineNode, LoadStats } from "../../harness/engine.ts";
import type { Ledger } from "../../harness/ledger.ts";
import type { PhaseProgress } from "../../harness/progress.ts";
import type { CanonicalRecord, RecordFile } from "../../harness/records.ts";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import type { WorkloadClient } from "../../harness/workload.ts";
import { canonicalRelText, decimalOf, digestOf, graphBatches, relKey, type GraphNode, type GraphOp } from "./model.ts";
import {
  ACCOUNT_FLOWS,
  READ_NODES,
  READ_RELS,
  createNodesCypher,
  createRelsCypher,
  nodeRows,
  relRow,
  type CypherDialect,
} from "./cypher.ts";
import { accountInvariants } from "./account-invariants.ts";
import { boltEngineErrors } from "./errors.ts";
import { GraphWorkloadClient, nodeRecords, nodeWrites, relWrite } from "./workload-client.ts";

const UID_BATCH = 1000;
const FULL_READ_FETCH = 10_000;

/** Where a Bolt server listens and who may log in. */
export interface BoltEndpoint {
  url: string;
  user: string;
  password: string;
}

/** A driver for canonical reads: integers stay 64-bit (`neo4j.Integer`), never rounded to a JavaScript number. */
export function boltDriver(endpoint: BoltEndpoint): Driver {
  return neo4j.driver(endpoint.url, neo4j.auth.basic(endpoint.user, endpoint.password), {
    disableLosslessIntegers: false,
    connectionTimeout: 10_000,
    maxConnectionPoolSize: 16,
    connectionAcquisitionTimeout: 30_000,
  });
}

/** Waits until the server answers a query on its default database (bounded), after its port opened. */
export async function waitForBolt(endpoint: BoltEndpoint, timeoutMs: number): Promise<void> {
  const driver = boltDriver(endpoint);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const session = driver.session();
      try {
        await session.run("RETURN 1");
        return;
      } catch (err) {
        if (Date.now() > deadline)
          throw new Error(`${endpoint.url} did not serve queries within ${timeoutMs} ms: ${(err as Error).message}`);
      } finally {
        await session.close();
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await driver.close();
  }
}

/** Groups nodes by label set: labels are part of a CREATE's text, not a parameter. */
function byLabels(nodes: GraphNode[]): Map<string, GraphNode[]> {
  const groups = new Map<string, GraphNode[]>();
  for (const n of nodes) {
    const key = n.labels.join("\u0000");
    groups.set(key, [...(groups.get(key) ?? []), n]);
  }
  return groups;
}

/**
 * A graph database reached over Bolt with `neo4j-driver`: the load, the workload, the canonical read-back, the probe
 * write and the account invariants, the same for every engine. An engine supplies the endpoint (which may change when
 * its container is replaced), its Cypher dialect, its images and how to destroy it.
 */
export abstract class BoltGraphNode implements EngineNode<GraphOp> {
  abstract readonly images: ResolvedImage[];
  abstract destroy(): Promise<void>;
  /** The endpoint of the running server (an engine may restart it first). */
  protected abstract endpoint(): Promise<BoltEndpoint>;

  private current: { url: string; driver: Driver } | undefined;

  constructor(protected readonly dialect: CypherDialect) {}

  protected async driver(): Promise<Driver> {
    const ep = await this.endpoint();
    if (this.current?.url !== ep.url) {
      await this.current?.driver.close().catch(() => undefined);
      this.current = { url: ep.url, driver: boltDriver(ep) };
    }
    return this.current.driver;
  }

  protected async closeDriver(): Promise<void> {
    await this.current?.driver.close().catch(() => undefined);
    this.current = undefined;
  }

  /** `fetchSize`: records per PULL; the full reads take bigger batches than the driver's 1,000 (fewer round trips). */
  protected async withSession<T>(body: (s: Session) => Promise<T>, fetchSize?: number): Promise<T> {
    const session = (await this.driver()).session(fetchSize ? { fetchSize } : {});
    try {
      return await body(session);
    } finally {
      await session.close();
    }
  }

  async load(dataset: DatasetSpec, ledger: Ledger, progress: PhaseProgress): Promise<LoadStats> {
    return this.withSession(async (s) => {
      for (const statement of this.dialect.schema) await s.run(statement);
      let records = 0;
      for (const batch of graphBatches(dataset.seed, dataset.rows)) {
        const invokeAt = ledger.clock.now();
        // One auto-commit statement per label set or relationship type: a batch of several is not one commit.
        let statements = 0;
        if (batch.kind === "nodes") {
          for (const [, nodes] of byLabels(batch.nodes)) {
            await s.run(createNodesCypher(nodes[0]!.labels), { rows: nodeRows(nodes) });
            statements++;
          }
        } else {
          for (const type of new Set(batch.rels.map((r) => r.type))) {
            statements++;
            const rels = batch.rels.filter((r) => r.type === type);
            const created = (await s.run(createRelsCypher(type), { rows: rels.map(relRow) })).records[0]?.get(
              "created",
            );
            if (Number(created) !== rels.length)
              throw new Error(`loading ${type}: ${String(created)} of ${rels.length} relationships created`);
          }
        }
        const writes = batch.kind === "nodes" ? batch.nodes.flatMap(nodeWrites) : batch.rels.map(relWrite);
        ledger.appendLoad(invokeAt, writes, statements > 1 ? { atomic: false } : {});
        records += writes.length;
        progress.update({ records, "records/s": Math.round(records / Math.max(0.001, progress.elapsedMs() / 1000)) });
      }
      return { records };
    });
  }

  async openWorkloadClient(): Promise<WorkloadClient<GraphOp>> {
    return new GraphWorkloadClient((await this.driver()).session());
  }

  /**
   * Every node with the `Node` label (an account's balance a record apart), then every relationship with its endpoints'
   * uids, as canonical records. The two queries run at once in two sessions (each was its own auto-commit transaction
   * before too): the server produces one while the client decodes and hashes the other.
   */
  async readCanonical(into: RecordFile, progress: PhaseProgress): Promise<void> {
    let records = 0;
    const counted = () => {
      if (++records % 1000 === 0) progress.update({ records });
    };
    const nodes = this.withSession(async (s) => {
      for await (const r of s.run(READ_NODES)) {
        for (const record of nodeRecords(r.get("labels") as string[], r.get("props") as Record<string, unknown>))
          await into.add(record);
        counted();
      }
    }, FULL_READ_FETCH);
    const rels = this.withSession(async (s) => {
      for await (const r of s.run(READ_RELS)) {
        const props = r.get("props") as Record<string, unknown>;
        const text = canonicalRelText(r.get("type") as string, r.get("from"), r.get("to"), props);
        await into.add({ key: relKey(decimalOf(props.uid)), digest: digestOf(text), preview: text });
        counted();
      }
    }, FULL_READ_FETCH);
    await boltEngineErrors(() => Promise.all([nodes, rels]));
  }

  /**
   * The engine's own read with nothing of ours around it, for the benchmark's side by side: every node and every
   * relationship as the driver streams them, counted and dropped. Returns the count.
   */
  async plainRead(): Promise<number> {
    return this.withSession(async (s) => {
      let records = 0;
      for (const cypher of ["MATCH (n) RETURN n", "MATCH ()-[r]->() RETURN r"])
        for await (const record of s.run(cypher)) records += record.length > 0 ? 1 : 0;
      return records;
    }, FULL_READ_FETCH);
  }

  /**
   * The canonical records of what `cypher` returns for each uid of `uids` (an index seek a deep verification asks for):
   * rows with `labels` and `props` are nodes, rows with `type`, `from`, `to` and `props` relationships.
   */
  async readByUid(cypher: string, uids: readonly number[], into: (record: CanonicalRecord) => void): Promise<void> {
    await boltEngineErrors(() =>
      this.withSession(async (s) => {
        for (let i = 0; i < uids.length; i += UID_BATCH) {
          const batch = uids.slice(i, i + UID_BATCH).map((u) => neo4j.int(u));
          for await (const r of s.run(cypher, { uids: batch })) {
            const props = r.get("props") as Record<string, unknown>;
            if (r.has("labels")) for (const record of nodeRecords(r.get("labels") as string[], props)) into(record);
            else {
              const text = canonicalRelText(r.get("type") as string, r.get("from"), r.get("to"), props);
              into({ key: relKey(decimalOf(props.uid)), digest: digestOf(text), preview: text });
            }
          }
        }
      }),
    );
  }

  /** An error the server sent, or a node not served back, is the engine's answer (EngineError). */
  async probeWrite(): Promise<string> {
    const uid = neo4j.int(-Date.now());
    return boltEngineErrors(() =>
      this.withSession(async (s) => {
        await s.run("CREATE (n:Probe {uid: $uid})", { uid });
        const back = await s.run("MATCH (n:Probe {uid: $uid}) RETURN count(n) AS n", { uid });
        if (Number(back.records[0]?.get("n")) !== 1)
          throw new EngineError("the probe node was written but is not served back");
        await s.run("MATCH (n:Probe {uid: $uid}) DELETE n", { uid });
        return "created a node, read it back and deleted it";
      }),
    );
  }

  /** The accounts' total and each balance against its transfers (account-invariants.ts). */
  async invariants(): Promise<CheckResult[]> {
    const rows = await boltEngineErrors(() => this.withSession(async (s) => (await s.run(ACCOUNT_FLOWS)).records));
    return accountInvariants(rows);
  }
}
