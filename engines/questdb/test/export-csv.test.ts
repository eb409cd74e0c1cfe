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
 * A string field as QuestDB's `/exp` writes it (Utf8Sink.escapeCsvStr, the same in 8.2.0, 9.2.3 and 9.3.4: control
 * characters and `\` escaped as JSON does, `"` doubled); the parser also reads JSON's `\"`, which no server sends.
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

/** A DOUBLE as QuestDB's Numbers.append prints it (Java style: `1.0`, `1.0E-300`). */
const javaDouble = (d: number) => (Number.isInteger(d) && Math.abs(d) < 1e7 ? `${d}.0` : String(d).replace("e", "E"));

/**
 * The export of `EXPORT_COLUMNS`: LONGs and BOOLEAN unquoted, strings (and the price, text by `concat`) quoted, NULL an
 * empty field, CRLF after each line.
 */
function exportText(rows: QdbRow[], dialect: Dialect = "rfc-quotes", eol = "\r\n"): string {
  const lines = [EXPORT_HEADER.map((h) => `"${h}"`).join(",")];
  for (const r of rows) {
    lines.push(
      [
        String(r.id),
        r.sym === null ? "" : quoted(r.sym, dialect),
        r.qty === null ? "" : String(r.qty),
        r.price === null ? "" : quoted(javaDouble(r.price), dialect),
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

  it("edge cases of the CSV read back exactly: quotes, commas, line breaks, unicode, NULLs, extreme numbers", () => {
    const base: QdbRow = { id: 1, sym: "x", qty: 1, price: 1.5, flag: true, note: "n", eventTs: 0, ts: 0 };
    const notes = ['"', '""', 'a"b', ",", "a,b,", "\n", "\r\n", "line\nbreak\r", "\\", '\\"', "\t\u0001\u001f\u007f"];
    const more = ["", " ", "ünïcödé", "😀 rocket", "e\u0301", "\u2028\u2029", "\ufeffbom", '日本語,"引用"'];
    const rows: QdbRow[] = [...notes, ...more].map((note, i) => ({ ...base, id: i + 1, note, sym: note }));
    rows.push(
      { ...base, id: 100, sym: null, qty: null, price: null, note: null, eventTs: null },
      { ...base, id: 101, qty: -Number.MAX_SAFE_INTEGER, price: 0.1 + 0.2, flag: false },
      { ...base, id: 102, qty: Number.MAX_SAFE_INTEGER, price: 5e-324, eventTs: Date.UTC(2200, 0, 1) * 1000 + 999 },
      { ...base, id: 103, price: 1.7976931348623157e308, ts: 2 ** 52 },
      { ...base, id: 104, price: -2.25, eventTs: 1, ts: 1 },
    );
    for (const eol of ["\r\n", "\n"]) {
      const bytes = Buffer.from(exportText(rows, "rfc-quotes", eol));
      const everyByte = Array.from({ length: bytes.length }, (_, i) => i);
      expect(parseInPieces(bytes, everyByte).map(canonicalFromValues)).toEqual(rows.map(canonicalRowText));
    }
  });

  it("a DOUBLE printed rounded, as 8.2.0's export of a raw DOUBLE column does, no longer matches the row written", () => {
    const row: QdbRow = { id: 1, sym: null, qty: null, price: 0.1 + 0.2, flag: true, note: null, eventTs: null, ts: 0 };
    const rounded = `${EXPORT_HEADER.join(",")}\n1,,,0.3,true,,,0\n`;
    const [values] = parseInPieces(Buffer.from(rounded), []);
    expect(digestOfText(canonicalFromValues(values!))).not.toBe(rowDigest(row));
  });

  it("one byte changed anywhere in a row's value changes its digest", () => {
    const rows = [...questdbDataset(5, 200)].flatMap((b) => b.rows);
    const text = exportText(rows);
    const digests = parseInPieces(Buffer.from(text), []).map((v) => digestOfText(canonicalFromValues(v)));
    expect(digests).toEqual(rows.map(rowDigest));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: rows.length - 1 }), fc.nat(), (i, at) => {
        const r = rows[i]!;
        // A letter of the note, a digit of the quantity or of the timestamp: each a one-byte change the server could serve.
        const changed: QdbRow[] = [
          {
            ...r,
            note:
              r.note === null
                ? "x"
                : r.note.slice(0, at % (r.note.length + 1)) + "!" + r.note.slice((at % (r.note.length + 1)) + 1),
          },
          { ...r, qty: r.qty === null ? 0 : r.qty - 1 },
          { ...r, ts: r.ts + 1 },
        ].filter((c) => canonicalRowText(c) !== canonicalRowText(r));
        for (const c of changed) {
          const [values] = parseInPieces(Buffer.from(exportText([c])), []);
          expect(digestOfText(canonicalFromValues(values!))).not.toBe(digests[i]);
        }
      }),
      { numRuns: 200 },
    );
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
