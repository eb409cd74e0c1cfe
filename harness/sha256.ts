import * as crypto from "node:crypto";

// The per-record hashes of read-backs and of the oracle's multiset digest: Node's one-shot `crypto.hash` (20.12+)
// where it exists, three times as fast per call as a Hash object, which is the fallback. Text is hashed as UTF-8.
const oneShot = typeof crypto.hash === "function";

/** SHA-256 of a text, as 64 hex digits. */
export const sha256Hex: (text: string) => string = oneShot
  ? (text) => crypto.hash("sha256", text)
  : (text) => crypto.createHash("sha256").update(text).digest("hex");

/** SHA-256 of a text, as 32 bytes. */
export const sha256Bytes: (text: string) => Buffer = oneShot
  ? (text) => crypto.hash("sha256", text, "buffer")
  : (text) => crypto.createHash("sha256").update(text).digest();
