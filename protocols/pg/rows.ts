/** A cell as text for a user's check: NULL as the empty string, a date in ISO form, JSON for a structured value. */
export function cellText(cell: unknown): string {
  if (cell === null || cell === undefined) return "";
  if (cell instanceof Date) return cell.toISOString();
  return typeof cell === "object" ? JSON.stringify(cell) : String(cell);
}

/** What a query of rows needs of a client: pg's Client, or a stand-in in a test. */
export interface ArrayQueryClient {
  query(config: { text: string; rowMode: "array" }): Promise<{ rows: unknown[][] }>;
}

/** A query's rows as text cells (`verify --checks`), for every engine that speaks the PostgreSQL wire. */
export async function rowsAsText(client: ArrayQueryClient, text: string): Promise<string[][]> {
  const result = await client.query({ text, rowMode: "array" });
  return result.rows.map((r) => r.map(cellText));
}
