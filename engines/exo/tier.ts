import { randomBytes } from "node:crypto";
import type { MongoClient } from "mongodb";
import type pg from "pg";
import type { DatasetSpec, DrillRuntime, EngineNode, LoadStats } from "../../harness/engine.ts";
import type { KeyWrite, Ledger } from "../../harness/ledger.ts";
import type { PhaseProgress } from "../../harness/progress.ts";
import type { RecordFile } from "../../harness/records.ts";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import type { WorkloadClient } from "../../harness/workload.ts";
import { createNetwork, createVolume, removeVolume } from "../../harness/runtime/resources.ts";
import { registerSecret } from "../../harness/secrets.ts";
import { engineErrors, isDefiniteSqlFailure } from "../../protocols/pg/errors.ts";
import { docker } from "../../harness/runtime/docker.ts";
import { errorLines } from "../../harness/server-log.ts";
import { PostgresContainer, type PgCredentials, type StartedPostgres } from "../../protocols/pg/container.ts";
import { ROOMS, exoDataset, roomId, type ExoOp } from "./model.ts";
import { GateinContainer, type GateinVolume } from "./data-container.ts";
import { MONGO_WIRE_ERRORS, MongoWireContainer, type StartedMongoWire } from "./mongo-container.ts";
import { readTier } from "./canonical.ts";
import { CODEC_DIR, CODEC_FILE, DATA_DIR } from "./layout.ts";
import { DATASOURCES, SCHEMA, databaseOf, type Datasource } from "./schema.ts";
import { postgresImageSpec } from "../../protocols/pg/image.ts";
import { exoVersion, mongoWireImageSpec } from "./versions.ts";
import { codecKey } from "./wallet-codec.ts";
import {
  CHAT_DB,
  applyOp,
  writeActivities,
  writeChats,
  writeCodec,
  writeDocuments,
  writeRooms,
  writeUsers,
  writeWallets,
  type TierSession,
} from "./writes.ts";

/** One password per process (or `DR_DRILL_EXO_PASSWORD`), registered as a secret so no report shows it. */
export const EXO_PG: PgCredentials = {
  user: "exo",
  password: process.env.DR_DRILL_EXO_PASSWORD || randomBytes(12).toString("hex"),
  database: databaseOf("jcr"),
};
registerSecret(EXO_PG.password);

/** The containers of one tier: PostgreSQL (three databases), the MongoDB-wire server, the gatein volume's holder. */
export interface TierParts {
  pg: StartedPostgres;
  mongo: StartedMongoWire;
  gatein: GateinVolume;
}

/**
 * Starts a tier on its own private network with a labelled volume per part. `withSchema` creates the platform's
 * tables (a source); a restore target starts with empty databases, filled by pg_restore.
 */
export async function startTier(
  rt: DrillRuntime,
  version: string,
  name: string,
  withSchema: boolean,
): Promise<ExoNode> {
  // PostgreSQL's image, official or offline, is the one the postgres engine runs: one recipe (protocols/pg/images/) builds both.
  const pgSpec = postgresImageSpec(exoVersion(version).postgres);
  const [pgImage, mongoImage] = [await rt.images.resolve(pgSpec), await rt.images.resolve(mongoWireImageSpec(version))];
  const prefix = `${rt.drillId}-${name}`;
  const network = await createNetwork(`${prefix}-net`, rt.labels);
  const [pgVolume, mongoVolume, gateinVolume] = await Promise.all(
    ["pgdata", "mongodata", "gatein"].map((v) => createVolume(`${prefix}-${v}`, rt.labels)),
  );
  // The parts start side by side, as they would on their own machines.
  const [pgStarted, mongo, gatein] = await Promise.all([
    new PostgresContainer(pgImage, EXO_PG)
      .withLabels(rt.labels)
      .withNetwork(network, "postgres")
      .withVolume(pgVolume!)
      .start(),
    new MongoWireContainer(mongoImage)
      .withLabels(rt.labels)
      .withNetworkMode(network)
      .withNetworkAliases("mongo")
      .withVolume(mongoVolume!)
      .start(),
    new GateinContainer(pgImage)
      .withLabels(rt.labels)
      .withNetworkMode(network)
      .withNetworkAliases("gatein")
      .withVolume(gateinVolume!)
      .start(),
  ]);
  const admin = await pgStarted.client();
  try {
    for (const ds of DATASOURCES.filter((d) => databaseOf(d) !== EXO_PG.database))
      await admin.query(`CREATE DATABASE ${databaseOf(ds)}`);
  } finally {
    await admin.end();
  }
  const parts = { pg: pgStarted, mongo, gatein };
  if (withSchema) {
    for (const ds of DATASOURCES) {
      const c = await pgStarted.client({ database: databaseOf(ds) });
      await c.query(SCHEMA[ds]).finally(() => c.end());
    }
  }
  rt.log(
    `  tier ${name}: PostgreSQL (${DATASOURCES.map(databaseOf).join(", ")}), ${mongoImage.ref} (${mongoImage.source}), gatein volume ${gateinVolume} on network ${network}`,
  );
  return new ExoNode(parts, [pgImage, mongoImage], { network, volumes: [pgVolume!, mongoVolume!, gateinVolume!] });
}

/** Connections of one writer (or reader) to every part. */
async function openSession(parts: TierParts, codec: Buffer): Promise<TierSession & { close(): Promise<void> }> {
  const sql = {} as Record<Datasource, pg.Client>;
  for (const ds of DATASOURCES)
    sql[ds] = await parts.pg.client({ database: databaseOf(ds), statementTimeoutMs: 30_000 });
  const mongo: MongoClient = await parts.mongo.client();
  return {
    sql,
    chat: mongo.db(CHAT_DB),
    gatein: parts.gatein,
    codec,
    close: async () => {
      await Promise.all(DATASOURCES.map((ds) => sql[ds].end().catch(() => undefined)));
      await mongo.close().catch(() => undefined);
    },
  };
}

/** The codec the platform would read at start (a restored tier may have none). */
export async function readCodec(parts: TierParts): Promise<Buffer | undefined> {
  const { exitCode, output } = await parts.gatein.exec(["cat", `${CODEC_DIR}/${CODEC_FILE}`]);
  return exitCode === 0 && /^[0-9a-f]{32}$/.test(output.trim()) ? Buffer.from(output.trim(), "hex") : undefined;
}

/** `items` in consecutive slices of `size` (the last one shorter): the load's batches, one commit each. */
function slices<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, k) => items.slice(k * size, (k + 1) * size));
}

export class ExoNode implements EngineNode<ExoOp> {
  constructor(
    readonly parts: TierParts,
    readonly images: ResolvedImage[],
    private readonly resources: { network: string; volumes: string[] },
  ) {}

  async load(dataset: DatasetSpec, ledger: Ledger, progress: PhaseProgress): Promise<LoadStats> {
    const data = exoDataset(dataset.seed, dataset.rows);
    const s = await openSession(this.parts, codecKey(dataset.seed));
    let records = 0;
    // `oneCommit`: false for a batch that spans stores (SQL, MongoDB, the volume) or is a MongoDB insertMany (each
    // document on its own): its keys are then not checked all or none.
    const batch = async (what: string, write: () => Promise<KeyWrite[]>, oneCommit: boolean) => {
      const invokeAt = ledger.clock.now();
      const writes = await write();
      ledger.appendLoad(invokeAt, writes, oneCommit ? {} : { atomic: false });
      records += writes.length;
      progress.update({ records, at: what });
    };
    try {
      await batch("codec", () => writeCodec(s), true);
      // What a running platform leaves in the optional directories: a swapped value, a transaction log.
      await s.gatein.write([
        { path: "data/jcr/swap/collaboration/swap-0.tmp", content: Buffer.from("swapped value") },
        {
          path: "data/jta/ObjectStore/ShadowNoFileLockStore/defaultStore/log-0",
          content: Buffer.from("transaction log"),
        },
      ]);
      for (const users of slices(data.users, 100)) await batch("users", () => writeUsers(s, users), false);
      await batch(
        "rooms",
        () =>
          writeRooms(
            s,
            Array.from({ length: ROOMS }, (_, k) => ({
              id: roomId(k),
              users: data.users
                .filter((_, j) => j % ROOMS === k)
                .slice(0, 5)
                .map((u) => u.name),
            })),
          ),
        false,
      );
      for (const documents of slices(data.documents, 50))
        await batch(
          "documents",
          () => writeDocuments(s, documents),
          documents.every((d) => !d.inFile),
        );
      for (const activities of slices(data.activities, 100))
        await batch(
          "activities",
          () => writeActivities(s, activities),
          activities.every((a) => !a.attachment),
        );
      for (const chats of slices(data.chats, 200)) await batch("chat", () => writeChats(s, chats), false);
      await batch("wallets", () => writeWallets(s, data.wallets), true);
      for (let k = 0; k < ROOMS; k++)
        await s.chat.collection(`messages_room_${roomId(k)}`).createIndex({ timestamp: 1 });
    } finally {
      await s.close();
    }
    return { records };
  }

  async openWorkloadClient(): Promise<WorkloadClient<ExoOp>> {
    const codec = await readCodec(this.parts);
    if (!codec) throw new Error("the tier has no codec key: load first");
    const s = await openSession(this.parts, codec);
    return {
      apply: (op) => applyOp(s, op.payload),
      isDefiniteFailure: (err) => isDefiniteSqlFailure(err),
      close: () => s.close(),
    };
  }

  async readCanonical(into: RecordFile, progress: PhaseProgress): Promise<void> {
    const s = await openSession(this.parts, Buffer.alloc(0));
    try {
      await readTier(s, into, progress);
    } finally {
      await s.close();
    }
  }

  /** What the tier's servers logged about their data: PostgreSQL's errors, the MongoDB-wire server's failures. */
  async serverErrors(): Promise<string[]> {
    const [sql, chat] = await Promise.all([
      this.parts.pg.serverErrors(),
      this.parts.mongo.log().then((log) => errorLines(log, MONGO_WIRE_ERRORS)),
    ]);
    return [...sql.map((l) => `PostgreSQL: ${l}`), ...chat.map((l) => `chat server: ${l}`)];
  }

  async probeWrite(): Promise<string> {
    const c = await this.parts.pg.client({ database: databaseOf("idm") });
    const mongo = await this.parts.mongo.client();
    try {
      // The SQL server's refusal is the engine's answer (EngineError); the chat store's and the volume's errors leave it undecided.
      await engineErrors(async () => {
        await c.query("BEGIN");
        await c.query("INSERT INTO jbid_io VALUES (-999999, 1, 'probe', 'idm_realm_portal')");
        await c.query("ROLLBACK");
      });
      await mongo.db(CHAT_DB).collection("probe").insertOne({ probe: true });
      await mongo.db(CHAT_DB).collection("probe").drop();
      await this.parts.gatein.run(["sh", "-c", `echo probe > ${DATA_DIR}/probe && rm ${DATA_DIR}/probe`]);
      return "IDM took a row (rolled back), chat took a document (dropped), the volume took a file";
    } finally {
      await c.end();
      await mongo.close();
    }
  }

  async destroy(): Promise<void> {
    await Promise.all(
      [this.parts.pg.stop(), this.parts.mongo.stop(), this.parts.gatein.stop()].map((p) => p.catch(() => undefined)),
    );
    for (const v of this.resources.volumes) await removeVolume(v).catch(() => undefined);
    await docker()
      .getNetwork(this.resources.network)
      .remove()
      .catch(() => undefined);
  }
}
