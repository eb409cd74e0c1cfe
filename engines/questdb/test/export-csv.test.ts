import { describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { nastyText, nullable } from "../../../harness/hostile-values.ts";
import { isEngineError } from "../../../harness/engine-error.ts";
import { ExportCsvParser, MalformedExport, type ExportRow } from "../export-csv.ts";
import { exportRows } from "../export-read.ts";
import { canonicalFromValues, digestOfText } from "../node.ts";
import { EXPORT_HEADER } from "../wire.ts";
import { canonicalRowText, questdbDataset, rowDigest, type QdbRow } from "../model.ts";

type Dialect = "rfc-quotes" | "backslash-quotes";

/**
 * A string field as QuestDB's `/exp` writes it (Utf8Sink.escapeCsvStr in 9.x: control characters and `\` escaped as
 * JSON does, `"` doubled; older servers escape `"` as `\"`).
 */
function quoted(s: string, dialect: Dialect): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '"') out += dialect === "rfc-quotes" ? '""' : '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (c < 32) {
      const named: Record<number, string> = { 8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t" };
      out += named[c] ?? `\\u00${c.toString(16).padStart(2, "0")}`;
    } else out += ch;
  }
  return out + '"';
}

/** The export of rows of the canonical columns: numbers unquoted, strings quoted, NULL empty, CRLF after each line. */
function exportText(rows: QdbRow[], dialect: Dialect = "rfc-quotes", eol = "\r\n"): string {
  const lines = [EXPORT_HEADER.map((h) => `"${h}"`).join(",")];
  for (const r of rows) {
    const javaDouble = (d: number) =>
      Number.isInteger(d) && Math.abs(d) < 1e7 ? `${d}.0` : String(d).replace("e", "E");
    lines.push(
      [
        String(r.id),
        r.sym === null ? "" : quoted(r.sym, dialect),
        r.qty === null ? "" : String(r.qty),
        r.price === null ? "" : javaDouble(r.price),
        String(r.flag),
        r.note === null ? "" : quoted(r.note, dialect),
        r.eventTs === null ? "" : String(r.eventTs),
        String(r.ts),
      ].join(","),
    );
  }
  return lines.map((l) => l + eol).join("");
}

/** Parses `bytes` fed in pieces cut at `cuts` (byte offsets, so UTF-8 characters are split too). */
function parseInPieces(bytes: Buffer, cuts: number[]): ExportRow[] {
  const parser = new ExportCsvParser(EXPORT_HEADER);
  const rows: ExportRow[] = [];
  let from = 0;
  for (const cut of [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)) {
    rows.push(...parser.push(bytes.subarray(from, cut)));
    from = cut;
  }
  rows.push(...parser.push(bytes.subarray(from)));
  parser.end();
  return rows;
}

const hostileRow: fc.Arbitrary<QdbRow> = fc.record({
  id: fc.integer({ min: 1, max: 2 ** 40 }),
  sym: nullable(nastyText(10)),
  qty: nullable(fc.maxSafeInteger()),
  price: nullable(fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? 0 : d))),
  flag: fc.boolean(),
  note: nullable(nastyText(40)),
  eventTs: nullable(fc.integer({ min: 0, max: 2 ** 52 })),
  ts: fc.integer({ min: 0, max: 2 ** 52 }),
});

describe("questdb /exp CSV parser", () => {
  it("every row of hostile values, cut anywhere, has the canonical text of the row written", () => {
    fc.assert(
      fc.property(
        fc.array(hostileRow, { maxLength: 30 }),
        fc.constantFrom<Dialect>("rfc-quotes", "backslash-quotes"),
        fc.constantFrom("\r\n", "\n"),
        fc.array(fc.nat(), { maxLength: 12 }),
        (rows, dialect, eol, cuts) => {
          const parsed = parseInPieces(Buffer.from(exportText(rows, dialect, eol)), cuts);
          expect(parsed.map(canonicalFromValues)).toEqual(rows.map(canonicalRowText));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("the drill's data set read back through the export has the ledger's canonical text, row by row", () => {
    const rows = [...questdbDataset(7, 4_000)].flatMap((b) => b.rows);
    const bytes = Buffer.from(exportText(rows));
    const parsed = parseInPieces(bytes, [1, 2, 100, 4096, 4097, 65_536, bytes.length - 1]);
    expect(parsed.map(canonicalFromValues)).toEqual(rows.map(canonicalRowText));
  });

  it("the read-back's digest of a row's text is the ledger's digest of the row", () => {
    for (const r of [...questdbDataset(11, 400)].flatMap((b) => b.rows))
      expect(digestOfText(canonicalRowText(r))).toBe(rowDigest(r));
  });

  it("NULL (an empty field) and the empty string (quoted) stay apart", () => {
    const parsed = parseInPieces(Buffer.from(`${EXPORT_HEADER.join(",")}\n1,,,,false,"",,2\n`), []);
    expect(parsed).toEqual([["1", null, null, null, "false", "", null, "2"]]);
  });

  it("a stream cut anywhere is an error, or whole rows that are fewer than written: never a partial row", () => {
    fc.assert(
      fc.property(fc.array(hostileRow, { minLength: 1, maxLength: 10 }), fc.nat(), (rows, at) => {
        const bytes = Buffer.from(exportText(rows));
        const cut = at % bytes.length;
        let parsed: ExportRow[];
        try {
          parsed = parseInPieces(bytes.subarray(0, cut), []);
        } catch (err) {
          expect(err).toBeInstanceOf(MalformedExport);
          return;
        }
        expect(parsed.length).toBeLessThan(rows.length);
        expect(parsed.map(canonicalFromValues)).toEqual(rows.slice(0, parsed.length).map(canonicalRowText));
      }),
      { numRuns: 300 },
    );
  });

  it("refuses other columns, a wrong field count and text that is not the export's CSV", () => {
    const header = EXPORT_HEADER.join(",");
    const parse = (text: string) => parseInPieces(Buffer.from(text), []);
    expect(() => parse(`id,sym\n`)).toThrow(/columns are/);
    expect(() => parse(`${header}\n1,2\n`)).toThrow(/has 2 fields, expected 8/);
    expect(() => parse(`${header}\n1,"a"b,,,false,,,2\n`)).toThrow(/unexpected "b"/);
    expect(() => parse(`${header}\n1,"a\\q",,,false,,,2\n`)).toThrow(/unknown escape/);
    expect(() => parse(`${header}\n1,"a`)).toThrow(/ended inside a row/);
    expect(() => parse("")).toThrow(/before its header/);
  });
});

describe("questdb /exp over HTTP", () => {
  async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ base: string; server: Server }> {
    const server = createServer(handler);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
  }
  const rows = [...questdbDataset(3, 40)].flatMap((b) => b.rows);
  const body = Buffer.from(exportText(rows));

  it("reads a chunked export to its end", async () => {
    const { base, server } = await serve((_req, res) => {
      res.writeHead(200, { "Content-Type": "text/csv" });
      for (let i = 0; i < body.length; i += 333) res.write(body.subarray(i, i + 333));
      res.end();
    });
    try {
      const got: ExportRow[] = [];
      for await (const batch of exportRows(base, "SELECT 1", EXPORT_HEADER)) got.push(...batch);
      expect(got.map(canonicalFromValues)).toEqual(rows.map(canonicalRowText));
    } finally {
      server.close();
    }
  });

  it("a response that breaks off after whole rows is an error, not a shorter table", async () => {
    const cut = body.indexOf("\r\n", body.length / 2) + 2;
    const { base, server } = await serve((_req, res) => {
      res.writeHead(200, { "Content-Type": "text/csv" });
      res.write(body.subarray(0, cut), () => res.socket?.destroy());
    });
    try {
      const read = async () => {
        for await (const batch of exportRows(base, "SELECT 1", EXPORT_HEADER)) void batch;
      };
      await expect(read()).rejects.toThrow(/aborted|broke off/);
    } finally {
      server.close();
    }
  });

  it("an HTTP error is the server's answer, in its words", async () => {
    const { base, server } = await serve((_req, res) => {
      res.writeHead(400, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ query: "SELECT 1", error: "partition is not available", position: 0 }));
    });
    try {
      const read = async () => {
        for await (const batch of exportRows(base, "SELECT 1", EXPORT_HEADER)) void batch;
      };
      const err: unknown = await read().catch((e: unknown) => e);
      expect(isEngineError(err)).toBe(true);
      expect(String(err)).toMatch(/HTTP 400: partition is not available/);
    } finally {
      server.close();
    }
  });
});
