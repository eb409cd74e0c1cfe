import type pg from "pg";
import { engineErrors } from "../../protocols/pg/errors.ts";
import type { TierSnapshot } from "./cross-checks.ts";
import { ROOT_NODE, databaseOf, type Datasource } from "./schema.ts";
import { readCodec, type TierParts } from "./tier.ts";
import { CHAT_DB } from "./writes.ts";

async function rows<T extends pg.QueryResultRow>(parts: TierParts, ds: Datasource, sql: string): Promise<T[]> {
  const c = await parts.pg.client({ database: databaseOf(ds) });
  try {
    return (await engineErrors(() => c.query<T>(sql))).rows;
  } finally {
    await c.end();
  }
}

/** Reads what the cross-part checks need from a running tier. */
export async function snapshotTier(parts: TierParts): Promise<TierSnapshot> {
  const users = await rows<{ name: string }>(parts, "idm", "SELECT name FROM jbid_io WHERE identity_type = 1");
  const documents = await rows<{ id: string }>(
    parts,
    "jcr",
    `SELECT id FROM jcr_sitem WHERE i_class = 1 AND parent_id = '${ROOT_NODE}'`,
  );
  // The document's sha256 property is a sibling of its data property: join through the parent node.
  const fileValues = await rows<{ property_id: string; order_num: number; node_id: string; sha256: string | null }>(
    parts,
    "jcr",
    `SELECT v.property_id, v.order_num, p.parent_id AS node_id, convert_from(h.data, 'UTF8') AS sha256
       FROM jcr_svalue v JOIN jcr_sitem p ON p.id = v.property_id
       LEFT JOIN jcr_sitem hp ON hp.parent_id = p.parent_id AND hp.name = '[]sha256'
       LEFT JOIN jcr_svalue h ON h.property_id = hp.id
      WHERE v.storage_desc IS NOT NULL`,
  );
  const activities = await rows<{ id: string; poster: string; document_id: string | null; file_id: string | null }>(
    parts,
    "jpa",
    `SELECT a.activity_id::text AS id, a.poster_id AS poster,
            (SELECT template_param_value FROM soc_activity_template_params p WHERE p.activity_id = a.activity_id AND template_param_key = 'DOCUMENT_ID') AS document_id,
            (SELECT template_param_value FROM soc_activity_template_params p WHERE p.activity_id = a.activity_id AND template_param_key = 'FILE_ID') AS file_id
       FROM soc_activities a`,
  );
  const storedFiles = await rows<{ file_id: string; checksum: string }>(
    parts,
    "jpa",
    "SELECT file_id::text, checksum FROM files_files",
  );
  const wallets = await rows<{ identity_id: string; user_name: string; private_key_content: string }>(
    parts,
    "jpa",
    "SELECT identity_id::text, user_name, private_key_content FROM addons_wallet_account",
  );
  const files = new Map<string, string>();
  for (const [rel, hash] of await parts.gatein.hashes(["data/files", "data/jcr/values"]))
    files.set(rel.slice("data/".length), hash);
  const mongo = await parts.mongo.client();
  const chatUsers: TierSnapshot["chatUsers"] = [];
  try {
    const db = mongo.db(CHAT_DB);
    for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
      if (name === "rooms")
        for await (const r of db.collection<{ _id: string; users: string[] }>(name).find())
          for (const u of r.users) chatUsers.push({ where: `rooms/${r._id}`, user: u });
      if (name.startsWith("messages_room_"))
        for await (const m of db.collection<{ _id: string; user: string }>(name).find())
          chatUsers.push({ where: `${name}/${m._id}`, user: m.user });
    }
  } finally {
    await mongo.close();
  }
  return {
    users: new Set(users.map((u) => u.name)),
    documents: new Set(documents.map((d) => d.id)),
    fileValues: fileValues.map((v) => ({
      propertyId: v.property_id,
      orderNumber: v.order_num,
      nodeId: v.node_id,
      sha256: v.sha256 ?? undefined,
    })),
    files,
    activities: activities.map((a) => ({
      id: a.id,
      poster: a.poster,
      ...(a.document_id ? { documentId: a.document_id } : {}),
      ...(a.file_id ? { fileId: a.file_id } : {}),
    })),
    storedFiles: storedFiles.map((f) => ({ fileId: f.file_id, checksum: f.checksum })),
    chatUsers,
    wallets: wallets.map((w) => ({ identityId: w.identity_id, user: w.user_name, content: w.private_key_content })),
    codec: await readCodec(parts),
  };
}
