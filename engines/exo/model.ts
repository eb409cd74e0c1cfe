import { createHash } from "node:crypto";
import { deriveSeed } from "../../harness/seed.ts";
import type { OpSource, WorkloadOp } from "../../harness/workload.ts";

/**
 * What eXo users do, as ops over the whole data tier: each op writes every part the platform would (a document is
 * JCR rows plus a value file; a chat message goes to MongoDB and names an IDM user). Pure data from the seed; the
 * engine (engines/exo/writes.ts) turns them into rows, files and documents.
 */
export interface UserSpec {
  id: number;
  name: string;
  group: number;
}
export interface DocumentSpec {
  /** 32 hex characters, like eXo JCR's internal identifiers; the binary property's id is derived from it. */
  nodeId: string;
  dataPropertyId: string;
  hashPropertyId: string;
  name: string;
  content: Buffer;
  /** Stored as a file under jcr/values (the default) or in JCR_SVALUE.DATA. */
  inFile: boolean;
}
export interface ActivitySpec {
  id: number;
  poster: string;
  documentId: string;
  title: string;
  attachment?: { fileId: number; name: string; content: Buffer };
}
export interface ChatSpec {
  id: string;
  room: string;
  user: string;
  message: string;
  timestamp: number;
}
export interface WalletSpec {
  identityId: number;
  user: string;
  address: string;
  privateKey: string;
}

export type ExoOp =
  | { kind: "user"; user: UserSpec }
  | { kind: "document"; document: DocumentSpec }
  | { kind: "activity"; activity: ActivitySpec }
  | { kind: "chat"; chat: ChatSpec }
  | { kind: "wallet"; wallet: WalletSpec };

export const GROUPS = 10;
export const ROOMS = 10;
export const roomId = (k: number) => `space-${k}`;
export const groupName = (k: number) => `/spaces/space-${k}`;

/** Deterministic bytes for (seed, parts…). */
export function bytesOf(seed: number, length: number, ...parts: (string | number)[]): Buffer {
  const chunks: Buffer[] = [];
  for (let i = 0; chunks.length * 32 < length; i++)
    chunks.push(
      createHash("sha256")
        .update([seed, ...parts, i].join("/"))
        .digest(),
    );
  return Buffer.concat(chunks).subarray(0, length);
}
const hex32 = (seed: number, ...parts: (string | number)[]) => bytesOf(seed, 16, ...parts).toString("hex");
const pick = (seed: number, n: number, ...parts: (string | number)[]) => deriveSeed(seed, ...parts) % n;

export function userSpec(seed: number, id: number, name: string): UserSpec {
  return { id, name, group: pick(seed, GROUPS, "group", id) };
}

export function documentSpec(seed: number, tag: string): DocumentSpec {
  const size = 64 + pick(seed, 1_500, "size", tag);
  return {
    nodeId: hex32(seed, "node", tag),
    dataPropertyId: hex32(seed, "data", tag),
    hashPropertyId: hex32(seed, "hash", tag),
    name: `doc-${tag}`,
    content: bytesOf(seed, size, "content", tag),
    inFile: pick(seed, 3, "infile", tag) !== 0,
  };
}

export function activitySpec(seed: number, id: number, poster: string, documentId: string): ActivitySpec {
  const withFile = pick(seed, 3, "attach", id) === 0;
  return {
    id,
    poster,
    documentId,
    title: `${poster} shared a document (${id})`,
    ...(withFile
      ? {
          attachment: {
            fileId: id,
            name: `attachment-${id}.bin`,
            content: bytesOf(seed, 32 + pick(seed, 800, "fsize", id), "file", id),
          },
        }
      : {}),
  };
}

export function chatSpec(seed: number, id: string, user: string, timestamp: number): ChatSpec {
  return { id, room: roomId(pick(seed, ROOMS, "room", id)), user, message: `message ${id} from ${user}`, timestamp };
}

export function walletSpec(seed: number, user: UserSpec): WalletSpec {
  return {
    identityId: user.id,
    user: user.name,
    address: `0x${bytesOf(seed, 20, "address", user.id).toString("hex")}`,
    privateKey: bytesOf(seed, 32, "key", user.id).toString("hex"),
  };
}

/** The data set the load phase writes, in the order the references need (users before what they post). */
export interface ExoDataset {
  users: UserSpec[];
  documents: DocumentSpec[];
  activities: ActivitySpec[];
  chats: ChatSpec[];
  wallets: WalletSpec[];
}

/** `rows` is split across the parts: a tenth users, the rest documents, activities and chat messages; a wallet per fifth user. */
export function exoDataset(seed: number, rows: number): ExoDataset {
  const userCount = Math.max(20, Math.floor(rows / 10));
  const each = Math.max(1, Math.floor((rows - userCount) / 3));
  const users = Array.from({ length: userCount }, (_, i) => userSpec(seed, i + 1, `user-${i + 1}`));
  const documents = Array.from({ length: each }, (_, i) => documentSpec(seed, `l${i}`));
  const anyUser = (tag: string | number) => users[pick(seed, users.length, "poster", tag)]!.name;
  const activities = Array.from({ length: each }, (_, i) =>
    activitySpec(seed, i + 1, anyUser(i), documents[pick(seed, documents.length, "doc", i)]!.nodeId),
  );
  const chats = Array.from({ length: each }, (_, i) =>
    chatSpec(seed, `l${i}`, anyUser(`chat-${i}`), 1_700_000_000_000 + i),
  );
  const wallets = users.filter((_, i) => i % 5 === 0).map((u) => walletSpec(seed, u));
  return { users, documents, activities, chats, wallets };
}

const KINDS: ExoOp["kind"][] = [
  "user",
  "document",
  "document",
  "activity",
  "activity",
  "chat",
  "chat",
  "chat",
  "wallet",
];

/**
 * Writer `w` creates its own users, documents, activities and messages (ids carry the writer, so no two writers touch
 * one key); what it posts refers to a loaded user or document, or half the time to one it created itself, so a part
 * backed up before another leaves references that dangle.
 */
export class ExoWorkload implements OpSource<ExoOp> {
  private readonly state = new Map<number, { n: number; users: UserSpec[]; documents: string[] }>();

  constructor(
    private readonly seed: number,
    private readonly loaded: ExoDataset,
  ) {}

  next(writer: number): WorkloadOp<ExoOp> {
    const s = this.state.get(writer) ?? { n: 0, users: [], documents: [] };
    this.state.set(writer, s);
    const n = s.n++;
    const tag = `w${writer}-${n}`;
    const id = 1_000_000 + writer * 100_000 + n;
    const own = pick(this.seed, 2, "own", tag) === 0;
    const user =
      own && s.users.length ? s.users.at(-1)! : this.loaded.users[pick(this.seed, this.loaded.users.length, "u", tag)]!;
    const documentId =
      own && s.documents.length
        ? s.documents.at(-1)!
        : this.loaded.documents[pick(this.seed, this.loaded.documents.length, "d", tag)]!.nodeId;
    // The first ops of a writer create a user and a document, so its later ops have something of its own to refer to.
    const kind = n === 0 ? "user" : n === 1 ? "document" : KINDS[pick(this.seed, KINDS.length, "kind", tag)]!;
    let op: ExoOp;
    if (kind === "user") {
      const u = userSpec(this.seed, id, `user-${tag}`);
      s.users.push(u);
      op = { kind, user: u };
    } else if (kind === "document") {
      const d = documentSpec(this.seed, tag);
      s.documents.push(d.nodeId);
      op = { kind, document: d };
    } else if (kind === "activity") op = { kind, activity: activitySpec(this.seed, id, user.name, documentId) };
    else if (kind === "chat") op = { kind, chat: chatSpec(this.seed, tag, user.name, 1_800_000_000_000 + id) };
    else op = { kind: "wallet", wallet: walletSpec(this.seed, { ...user, id }) };
    // The keys follow from where the engine stores each part (engines/exo/writes.ts keysOf), which fills them in.
    return { kind: op.kind, keys: [], payload: op };
  }
}
