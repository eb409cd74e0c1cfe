import { StringDecoder } from "node:string_decoder";

/** A row of the export: each field's text, `null` for an empty unquoted field (how `/exp` writes NULL). */
export type ExportRow = (string | null)[];

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const CR = 13;
const LF = 10;

const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

/** Thrown by the parser for text that is not the export's CSV: a bug or a broken stream, never the engine's answer. */
export class MalformedExport extends Error {}

/**
 * QuestDB's `/exp` CSV, parsed as the chunks arrive (a row, a field or a UTF-8 character may span chunks). Its dialect:
 * a header line of quoted column names, then one line per row (CRLF or LF); NULL is an empty unquoted field, every
 * string (SYMBOL, VARCHAR) is quoted, even an empty one. Inside quotes 9.x doubles a `"` (RFC 4180) and escapes `\` and
 * control characters as JSON does (`\\`, `\n`, `\u001f`); older servers escape a `"` as `\"`: both are read. The
 * stream must end right after a line: anything else is an error, never a shorter table.
 */
export class ExportCsvParser {
  private readonly decoder = new StringDecoder("utf8");
  private pending = "";
  private headerSeen = false;
  rows = 0;

  constructor(private readonly header: readonly string[]) {}

  /** The rows this chunk completes, in order. */
  push(chunk: Buffer | string): ExportRow[] {
    const text = this.pending + (typeof chunk === "string" ? chunk : this.decoder.write(chunk));
    const out: ExportRow[] = [];
    let at = 0;
    for (;;) {
      const parsed = rowAt(text, at);
      if (parsed === null) break;
      at = parsed.next;
      if (!this.headerSeen) {
        this.checkHeader(parsed.fields);
        continue;
      }
      if (parsed.fields.length !== this.header.length)
        throw new MalformedExport(
          `export row ${this.rows + 1} has ${parsed.fields.length} fields, expected ${this.header.length}: ${JSON.stringify(parsed.fields).slice(0, 200)}`,
        );
      this.rows++;
      out.push(parsed.fields);
    }
    this.pending = text.slice(at);
    return out;
  }

  /** The stream ended: it must have ended after a complete line. */
  end(): void {
    const rest = this.pending + this.decoder.end();
    if (rest.length)
      throw new MalformedExport(
        `the export ended inside a row after ${this.rows} rows (${rest.length} characters left): the read is incomplete`,
      );
    if (!this.headerSeen) throw new MalformedExport("the export ended before its header line: the read is incomplete");
  }

  private checkHeader(fields: ExportRow): void {
    if (fields.length !== this.header.length || fields.some((f, i) => f !== this.header[i]))
      throw new MalformedExport(
        `the export's columns are ${JSON.stringify(fields)}, expected ${JSON.stringify(this.header)}`,
      );
    this.headerSeen = true;
  }
}

/** The row starting at `start`, or null when the text ends before its line does. */
function rowAt(text: string, start: number): { fields: ExportRow; next: number } | null {
  if (start >= text.length) return null;
  const fields: ExportRow = [];
  let at = start;
  for (;;) {
    const field = text.charCodeAt(at) === QUOTE ? quotedAt(text, at) : unquotedAt(text, at);
    if (field === null) return null;
    fields.push(field.value);
    at = field.next;
    if (at >= text.length) return null;
    const sep = text.charCodeAt(at);
    if (sep === COMMA) {
      at++;
      continue;
    }
    if (sep === LF) return { fields, next: at + 1 };
    if (sep === CR) {
      if (at + 1 >= text.length) return null;
      if (text.charCodeAt(at + 1) !== LF) throw new MalformedExport(`a CR without LF at field ${fields.length}`);
      return { fields, next: at + 2 };
    }
    throw new MalformedExport(`unexpected ${JSON.stringify(text[at])} after field ${fields.length}`);
  }
}

function unquotedAt(text: string, start: number): { value: string | null; next: number } | null {
  let at = start;
  while (at < text.length) {
    const c = text.charCodeAt(at);
    if (c === COMMA || c === LF || c === CR) return { value: at === start ? null : text.slice(start, at), next: at };
    if (c === QUOTE) throw new MalformedExport(`a quote inside an unquoted field: ${text.slice(start, at + 1)}`);
    at++;
  }
  return null;
}

/** A quoted field from its opening quote: `""` and backslash escapes decoded; null when the text ends inside it. */
function quotedAt(text: string, start: number): { value: string; next: number } | null {
  let value = "";
  let from = start + 1;
  let at = from;
  while (at < text.length) {
    const c = text.charCodeAt(at);
    if (c === QUOTE) {
      if (at + 1 >= text.length) return null;
      if (text.charCodeAt(at + 1) !== QUOTE) return { value: value + text.slice(from, at), next: at + 1 };
      value += text.slice(from, at) + '"';
      at += 2;
      from = at;
    } else if (c === BACKSLASH) {
      if (at + 1 >= text.length) return null;
      const e = text[at + 1]!;
      value += text.slice(from, at);
      if (e === "u") {
        if (at + 6 > text.length) return null;
        const hex = text.slice(at + 2, at + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new MalformedExport(`a bad \\u escape: \\u${hex}`);
        value += String.fromCharCode(parseInt(hex, 16));
        at += 6;
      } else {
        const simple = SIMPLE_ESCAPES[e];
        if (simple === undefined) throw new MalformedExport(`an unknown escape \\${e}`);
        value += simple;
        at += 2;
      }
      from = at;
    } else at++;
  }
  return null;
}
