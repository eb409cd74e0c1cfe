/**
 * The canonical digest of a row, computed by the server from the row's own text form (`t::text`): the same expression
 * on the source (in RETURNING) and on the restored server (in the read-back), so "equal" means equal as PostgreSQL
 * stores and prints it, with no client-side re-encoding in between. The session settings that fix that text form are
 * the client's (container.ts).
 */
export const rowDigest = (row: string) => `encode(sha256(convert_to(${row}::text, 'UTF8')), 'hex')`;
export const rowPreview = (row: string) => `left(${row}::text, 160)`;

/** The digest of the row aliased `t`, for a query that reads or returns it. */
export const ROW_DIGEST = rowDigest("t");

/** The `digest` and `preview` columns of a record, for the row aliased `row`. */
export const digestColumns = (row = "t") => `${rowDigest(row)} AS digest, ${rowPreview(row)} AS preview`;
