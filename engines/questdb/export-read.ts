import { request, type IncomingMessage } from "node:http";
import { EngineError } from "../../harness/engine-error.ts";
import { ExportCsvParser, type ExportRow } from "./export-csv.ts";

/** The response to a GET, once its headers arrived. */
function get(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { Connection: "close" } }, resolve)
      .on("error", reject)
      .end();
  });
}

/**
 * The rows of `query` from QuestDB's `/exp` CSV export at `base` (http://host:port), a batch per chunk received. A
 * refusal (any status but 200) is the server's answer, an `EngineError` in its words; a response that breaks off, or
 * ends inside a row, is an error too (the server drops the connection when a query fails mid-stream): never fewer rows.
 */
export async function* exportRows(base: string, query: string, header: readonly string[]): AsyncGenerator<ExportRow[]> {
  const res = await get(`${base}/exp?${new URLSearchParams({ query })}`);
  if (res.statusCode !== 200) {
    let body = "";
    for await (const chunk of res) body += String(chunk);
    throw new EngineError(`/exp answered HTTP ${res.statusCode}: ${errorOf(body)}`);
  }
  const parser = new ExportCsvParser(header);
  try {
    for await (const chunk of res) {
      const rows = parser.push(chunk as Buffer);
      if (rows.length) yield rows;
    }
  } finally {
    res.destroy();
  }
  if (!res.complete) throw new Error(`the /exp response broke off after ${parser.rows} rows`);
  parser.end();
}

/** The `error` of QuestDB's JSON error body, or the body itself. */
function errorOf(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === "object" && "error" in parsed) return String(parsed.error);
  } catch {
    // not JSON: quoted as it came
  }
  return body.slice(0, 500);
}
