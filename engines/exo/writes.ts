import { createHash } from "node:crypto";
import type pg from "pg";
import type { Db } from "mongodb";
import type { KeyWrite } from "../../harness/ledger.ts";
import type { ActivitySpec, ChatSpec, DocumentSpec, ExoOp, UserSpec, WalletSpec } from "./model.ts";
import type { GateinVolume } from "./data-container.ts";
import { CODEC_FILE, jcrValueFile, storedFile, VALUE_STORAGE_ID } from "./layout.ts";
import { ROOT_NODE, WORKSPACE, returning, type Datasource } from "./schema.ts";
import { sealPrivateKey } from "./wallet-codec.ts";

/** What one writer (the platform, in effect) holds: a connection per datasource, the chat database, the volume, the codec. */
export interface TierSession {
  sql: Record<Datasource, pg.Client>;
  chat: Db;
  gatein: GateinVolume;
  codec: Buffer;
}

export const CHAT_DB = "exochat";
/** eXo chat keeps each room's messages in a collection of its own (ChatMongoDataStorage.M_ROOM_PREFIX). */
export const messagesCollection = (room: string) => `messages_room_${room}`;
export const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

/** A file's record: `gatein/<path>` and the sha256 of its content, as the canonical read hashes it. */
export const fileKey = (rel: string) => `gatein/${rel}`;
const fileWrite = (rel: string, content: Buffer): KeyWrite => ({
  key: fileKey(rel),
  digest: sha256(content),
  preview: `${content.length} bytes`,
});

/** A chat document's record: its JSON text as stored (field order kept by BSON), digested. */
export function chatRecord(
  collection: string,
  doc: { _id: unknown },
): { key: string; digest: string; preview: string } {
  const text = JSON.stringify(doc);
  return { key: `chat/${collection}/${String(doc._id)}`, digest: sha256(text), preview: text.slice(0, 160) };
}

async function insertRows(
  client: pg.Client,
  ds: Datasource,
  table: string,
  columns: string[],
  rows: unknown[][],
): Promise<KeyWrite[]> {
  if (rows.length === 0) return [];
  const params: unknown[] = [];
  const values = rows.map((r) => `(${r.map((v) => (params.push(v), `$${params.length}`)).join(", ")})`);
  const result = await client.query<KeyWrite>(
    `INSERT INTO ${table} AS t (${columns.join(", ")}) VALUES ${values.join(", ")} ${returning(ds, table)}`,
    params,
  );
  return result.rows;
}

async function inTransaction<T>(client: pg.Client, body: () => Promise<T>): Promise<T> {
  await client.query("BEGIN");
  try {
    const out = await body();
    await client.query("COMMIT");
    return out;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  }
}

/** Users in IDM (an identity and its group membership), and their chat profile. */
export async function writeUsers(s: TierSession, users: UserSpec[]): Promise<KeyWrite[]> {
  const idm = s.sql.idm;
  const written = await inTransaction(idm, async () => [
    ...(await insertRows(
      idm,
      "idm",
      "jbid_io",
      ["id", "identity_type", "name", "realm"],
      users.map((u) => [u.id, 1, u.name, "idm_realm_portal"]),
    )),
    ...(await insertRows(
      idm,
      "idm",
      "jbid_io_rel",
      ["id", "from_identity", "to_identity", "rel_type", "name"],
      users.map((u) => [u.id, -(u.group + 1), u.id, "JBOSS_IDENTITY_MEMBERSHIP", "member"]),
    )),
  ]);
  const docs = users.map((u) => ({ _id: u.name, user: u.name, fullname: `User ${u.name}`, isEnabled: true }));
  if (docs.length) await s.chat.collection<{ _id: string }>("users").insertMany(docs);
  return [...written, ...docs.map((d) => chatRecord("users", d))];
}

/** Documents: the value file first (as the JCR value storage does before its transaction commits), then the rows. */
export async function writeDocuments(s: TierSession, documents: DocumentSpec[]): Promise<KeyWrite[]> {
  const files = documents
    .filter((d) => d.inFile)
    .map((d) => ({ path: `data/${jcrValueFile(d.dataPropertyId, 0)}`, content: d.content }));
  await s.gatein.write(files);
  const jcr = s.sql.jcr;
  const rows = await inTransaction(jcr, async () => [
    ...(await insertRows(
      jcr,
      "jcr",
      "jcr_sitem",
      [
        "id",
        "parent_id",
        "name",
        "version",
        "container_name",
        "i_class",
        "i_index",
        "n_order_num",
        "p_type",
        "p_multivalued",
      ],
      documents.flatMap((d) => [
        [d.nodeId, ROOT_NODE, `[]${d.name}`, 1, WORKSPACE, 1, 1, 0, null, null],
        [d.dataPropertyId, d.nodeId, "[http://www.jcp.org/jcr/1.0]data", 1, WORKSPACE, 2, 1, null, 2, false],
        [d.hashPropertyId, d.nodeId, "[]sha256", 1, WORKSPACE, 2, 1, null, 1, false],
      ]),
    )),
    ...(await insertRows(
      jcr,
      "jcr",
      "jcr_svalue",
      ["data", "order_num", "property_id", "storage_desc"],
      documents.flatMap((d) => [
        [d.inFile ? null : d.content, 0, d.dataPropertyId, d.inFile ? VALUE_STORAGE_ID : null],
        [Buffer.from(sha256(d.content)), 0, d.hashPropertyId, null],
      ]),
    )),
  ]);
  return [...files.map((f) => fileWrite(f.path, f.content)), ...rows];
}

/** Activities in JPA: the post, its template parameters (the document it shares), and an attachment in the file storage. */
export async function writeActivities(s: TierSession, activities: ActivitySpec[]): Promise<KeyWrite[]> {
  const attachments = activities.flatMap((a) =>
    a.attachment ? [{ ...a.attachment, checksum: sha256(a.attachment.content) }] : [],
  );
  const files = attachments.map((f) => ({ path: `data/${storedFile(f.checksum)}`, content: f.content }));
  await s.gatein.write(files);
  const jpa = s.sql.jpa;
  const rows = await inTransaction(jpa, async () => [
    ...(await insertRows(
      jpa,
      "jpa",
      "files_files",
      ["file_id", "name", "mimetype", "file_size", "checksum", "deleted"],
      attachments.map((f) => [f.fileId, f.name, "application/octet-stream", f.content.length, f.checksum, false]),
    )),
    ...(await insertRows(
      jpa,
      "jpa",
      "soc_activities",
      ["activity_id", "type", "title", "poster_id", "owner_id", "posted"],
      activities.map((a) => [a.id, "DOC_ACTIVITY", a.title, a.poster, a.poster, a.id]),
    )),
    ...(await insertRows(
      jpa,
      "jpa",
      "soc_activity_template_params",
      ["activity_id", "template_param_key", "template_param_value"],
      activities.flatMap((a) => [
        [a.id, "DOCUMENT_ID", a.documentId],
        ...(a.attachment ? [[a.id, "FILE_ID", String(a.attachment.fileId)]] : []),
      ]),
    )),
  ]);
  return [...files.map((f) => fileWrite(f.path, f.content)), ...rows];
}

export async function writeChats(s: TierSession, chats: ChatSpec[]): Promise<KeyWrite[]> {
  const written: KeyWrite[] = [];
  const byRoom = new Map<string, ChatSpec[]>();
  for (const c of chats) byRoom.set(c.room, [...(byRoom.get(c.room) ?? []), c]);
  for (const [room, messages] of byRoom) {
    const docs = messages.map((m) => ({
      _id: m.id,
      user: m.user,
      message: m.message,
      timestamp: m.timestamp,
      isSystem: false,
    }));
    await s.chat.collection<{ _id: string }>(messagesCollection(room)).insertMany(docs);
    written.push(...docs.map((d) => chatRecord(messagesCollection(room), d)));
  }
  return written;
}

/** Wallet accounts with their private key sealed by the codec key. */
export async function writeWallets(s: TierSession, wallets: WalletSpec[]): Promise<KeyWrite[]> {
  return insertRows(
    s.sql.jpa,
    "jpa",
    "addons_wallet_account",
    ["identity_id", "user_name", "address", "private_key_content"],
    wallets.map((w) => [
      w.identityId,
      w.user,
      w.address,
      sealPrivateKey(s.codec, w.privateKey, `${w.address}/${w.identityId}`),
    ]),
  );
}

export async function writeCodec(s: TierSession): Promise<KeyWrite[]> {
  const rel = `conf/codec/${CODEC_FILE}`;
  const content = Buffer.from(s.codec.toString("hex"));
  await s.gatein.write([{ path: rel, content }]);
  return [fileWrite(rel, content)];
}

/** Rooms of spaces, each with a few members. */
export async function writeRooms(s: TierSession, rooms: { id: string; users: string[] }[]): Promise<KeyWrite[]> {
  const docs = rooms.map((r) => ({ _id: r.id, type: "s", name: r.id, users: r.users }));
  await s.chat.collection<{ _id: string }>("rooms").insertMany(docs);
  return docs.map((d) => chatRecord("rooms", d));
}

/** One op of the workload, as the platform would perform it. */
export function applyOp(s: TierSession, op: ExoOp): Promise<KeyWrite[]> {
  switch (op.kind) {
    case "user":
      return writeUsers(s, [op.user]);
    case "document":
      return writeDocuments(s, [op.document]);
    case "activity":
      return writeActivities(s, [op.activity]);
    case "chat":
      return writeChats(s, [op.chat]);
    case "wallet":
      return writeWallets(s, [op.wallet]);
  }
}

/**
 * Whether an op's keys are written by one commit: a user spans IDM and the chat database, a document or an activity
 * with a file writes the file before its SQL transaction. Chat messages are one document, wallets one INSERT.
 */
export function inOneCommit(op: ExoOp): boolean {
  switch (op.kind) {
    case "user":
      return false;
    case "document":
      return !op.document.inFile;
    case "activity":
      return !op.activity.attachment;
    case "chat":
    case "wallet":
      return true;
  }
}

/** The keys an op writes, known before it runs: an op whose outcome is unknown is recorded with `*` on each. */
export function keysOf(op: ExoOp): string[] {
  switch (op.kind) {
    case "user":
      return [`idm/jbid_io/${op.user.id}`, `idm/jbid_io_rel/${op.user.id}`, `chat/users/${op.user.name}`];
    case "document": {
      const d = op.document;
      return [
        ...(d.inFile ? [fileKey(`data/${jcrValueFile(d.dataPropertyId, 0)}`)] : []),
        ...[d.nodeId, d.dataPropertyId, d.hashPropertyId].map((id) => `jcr/jcr_sitem/${id}`),
        ...[d.dataPropertyId, d.hashPropertyId].map((id) => `jcr/jcr_svalue/${id}:0`),
      ];
    }
    case "activity": {
      const a = op.activity;
      const file = a.attachment
        ? [
            fileKey(`data/${storedFile(sha256(a.attachment.content))}`),
            `jpa/files_files/${a.attachment.fileId}`,
            `jpa/soc_activity_template_params/${a.id}:FILE_ID`,
          ]
        : [];
      return [`jpa/soc_activities/${a.id}`, `jpa/soc_activity_template_params/${a.id}:DOCUMENT_ID`, ...file];
    }
    case "chat":
      return [`chat/${messagesCollection(op.chat.room)}/${op.chat.id}`];
    case "wallet":
      return [`jpa/addons_wallet_account/${op.wallet.identityId}`];
  }
}
