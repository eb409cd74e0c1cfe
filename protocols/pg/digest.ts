import { createHash } from "node:crypto";

const PREVIEW_CHARS = 160;

/**
 * The canonical digest of a row, computed by the server from the row's own text form (`t::text`): the same expression
 * on the source (in RETURNING) and on the restored server, so "equal" means equal as PostgreSQL
 * stores and prints it, with no client-side re-encoding in between. The session settings that fix that text form are
 * the client's (container.ts). The read-back hashes the same text on the client (`digestOfText`), byte for byte.
 */
export const rowDigest = (row: string) => `encode(sha256(convert_to(${row}::text, 'UTF8')), 'hex')`;
export const rowPreview = (row: string) => `left(${row}::text, ${PREVIEW_CHARS})`;

/** The digest of the row aliased `t`, for a query that reads or returns it. */
export const ROW_DIGEST = rowDigest("t");

/** The `digest` and `preview` columns of a record, for the row aliased `row`. */
export const digestColumns = (row = "t") => `${rowDigest(row)} AS digest, ${rowPreview(row)} AS preview`;

/**
 * The same digest and preview computed on the client from the bytes of the row's text form as a binary COPY sends
 * them (UTF-8, the client encoding): the read-back streams each row's text once instead of having the server hash it.
 */
export function digestOfText(text: Buffer): { digest: string; preview: string } {
  const digest = createHash("sha256").update(text).digest("hex");
  // 160 characters take at most 640 bytes of UTF-8; a character cut at that edge lies past the 160th.
  const head = text.subarray(0, PREVIEW_CHARS * 4).toString("utf8");
  let preview = "";
  let chars = 0;
  for (const ch of head) {
    if (chars++ === PREVIEW_CHARS) break;
    preview += ch;
  }
  return { digest, preview };
}
