import { MongoServerError, type Db } from "mongodb";
import type { CheckResult } from "../../harness/checkers/checker.ts";
import type { StateSummary } from "../../harness/checkers/equivalence.ts";
import { EngineError } from "../../harness/engine-error.ts";
import { acceptedState, byKey, DeepFindings } from "../../harness/campaign/deep-compare.ts";
import { PG_SOCKET_DIR } from "../../protocols/pg/container.ts";
import { DATASOURCES, databaseOf } from "./schema.ts";
import { EXO_PG, type ExoNode } from "./tier.ts";
import { CHAT_DB, chatRecord } from "./writes.ts";

const ID_BATCH = 500;
/** MongoDB's code for a command the server does not have. */
const COMMAND_NOT_FOUND = 59;

/**
 * The deep verification of a restored eXo tier whose drill passed, part by part: `pg_amcheck --heapallindexed
 * --parent-check` on every heap and B-tree index of the three SQL databases; the chat database's own `validate` on
 * each collection where the server has it (FerretDB may not: the summary says which), and every chat document read
 * again by its `_id` (`$in` lookups, the primary key path), compared with the accepted state. The file storage's and
 * JCR values' sha256 are already in the drill's cross-part checks.
 */
export async function exoDeepVerify(node: ExoNode, restored: StateSummary): Promise<CheckResult> {
  const findings = new DeepFindings();
  for (const ds of DATASOURCES) {
    const db = databaseOf(ds);
    const amcheck = await node.parts.pg.tool([
      "pg_amcheck",
      "-h",
      PG_SOCKET_DIR,
      "-U",
      EXO_PG.user,
      "--no-password",
      "-d",
      db,
      "--install-missing",
      "--heapallindexed",
      "--parent-check",
    ]);
    // pg_amcheck exits 2 when it found corruption, 1 when it could not run: only the first is a finding.
    if (amcheck.exitCode !== 0 && amcheck.exitCode !== 2)
      throw new Error(
        `pg_amcheck on ${db} could not run (exit ${amcheck.exitCode}): ${amcheck.output.trim().slice(-500)}`,
      );
    if (amcheck.exitCode === 2)
      findings.add(`pg_amcheck found corruption in ${db}`, amcheck.output.split("\n").filter(Boolean).slice(0, 5));
  }
  const client = await node.parts.mongo.client();
  let chat: { validated: number; validateMissing: boolean; same: number };
  try {
    chat = await verifyChat(client.db(CHAT_DB), restored, findings);
  } finally {
    await client.close();
  }
  const validate = chat.validateMissing
    ? "the chat server has no validate command (FerretDB), so only the read by _id"
    : `validate clean on ${chat.validated} chat collections`;
  return findings.result(
    `pg_amcheck --heapallindexed --parent-check clean on ${DATASOURCES.map(databaseOf).join(", ")}; ${validate}; ${chat.same} chat documents read again by _id equal the accepted state`,
    { chat },
  );
}

async function verifyChat(
  db: Db,
  restored: StateSummary,
  findings: DeepFindings,
): Promise<{ validated: number; validateMissing: boolean; same: number }> {
  const expected = await acceptedState(restored.path, (k) => k.startsWith("chat/"));
  const collections = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
  let validated = 0;
  let validateMissing = false;
  const read = [];
  for (const name of collections) {
    if (!validateMissing) {
      const answer = await serverSays(() => db.command({ validate: name }));
      if (answer instanceof MongoServerError && answer.code === COMMAND_NOT_FOUND) validateMissing = true;
      else if (answer instanceof MongoServerError || answer.valid !== true)
        findings.add(
          `validate ${CHAT_DB}.${name}: ${answer instanceof MongoServerError ? answer.message : JSON.stringify(answer.errors ?? answer).slice(0, 300)}`,
        );
      else validated++;
    }
    const coll = db.collection<{ _id: unknown }>(name);
    const ids = (await coll.find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id);
    for (let i = 0; i < ids.length; i += ID_BATCH) {
      const batch = await serverSays(() => coll.find({ _id: { $in: ids.slice(i, i + ID_BATCH) } }).toArray());
      if (batch instanceof MongoServerError)
        throw new EngineError(`reading ${CHAT_DB}.${name} by _id: ${batch.message}`);
      read.push(...batch.map((doc) => chatRecord(name, doc)));
    }
  }
  const c = findings.compare("chat documents read by _id", "by _id", expected, byKey(read));
  return { validated, validateMissing, same: c.same };
}

/** The server's own error as a value (its answer), any other failure thrown (a lost connection, ours). */
async function serverSays<T>(body: () => Promise<T>): Promise<T | MongoServerError> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof MongoServerError) return err;
    throw err;
  }
}

/** What a file of the tier's backup is, per part: the gatein data directories, each SQL dump, the chat archive, the codec. */
export function exoFileKind(path: string): string {
  if (path.startsWith("pg/")) return `pg dump ${path.slice(3).replace(/\.pgdump$/, "")}`;
  if (path.startsWith("mongo/")) return "mongodump archive";
  if (path.startsWith("gatein/conf/codec")) return "codec";
  const data = /^gatein\/data\/(files|jcr\/values|jcr\/index|jcr\/swap|jta)(\/|$)/.exec(path)?.[1];
  if (data)
    return {
      files: "file storage",
      "jcr/values": "JCR values",
      "jcr/index": "JCR index",
      "jcr/swap": "JCR swap",
      jta: "JTA log",
    }[data]!;
  return path.includes("/") ? `directory or other (${path.split("/").slice(0, 2).join("/")})` : `other (${path})`;
}
