import fc from "fast-check";

/**
 * Values that break naive backup and export tools: quoting and escaping, separators of text formats, astral-plane
 * characters and combining marks, invisible and bidi controls, very long text, numeric edges. Small and composable,
 * like fast-check's own arbitraries. NUL is left out because PostgreSQL text cannot hold it (the engine, not the tool).
 */

/** Characters that escape handling and text formats (COPY, CSV, array literals, JSON, shell) treat specially. */
const SPECIAL = [
  "'",
  '"',
  "\\",
  "\\\\",
  "\t",
  "\n",
  "\r",
  "\r\n",
  ",",
  "{",
  "}",
  "(",
  ")",
  "NULL",
  "\\N",
  "$$",
  "%s",
  "--",
  ";",
  "\u200b",
  "\ufeff",
  "\u202e",
  "\u00a0",
  "\x7f",
];

/** Astral-plane characters, ZWJ sequences, combining marks, case-mapping traps. */
const UNICODE_TRAPS = [
  "😀",
  "𝕏",
  "🏳️‍🌈",
  "👩‍👩‍👧",
  "𠜎",
  "e\u0301",
  "Z\u0351\u0360\u0334\u0322",
  "ﷺ",
  "ß",
  "İ",
  "Ω",
  "ǅ",
  "\u{10FFFD}",
];

const anyCodePoint = fc.string({ unit: "binary", minLength: 1, maxLength: 1 }).filter((s) => !s.includes("\0"));

export const nastyChar: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 1 }).filter((s) => s !== "\0") },
  { weight: 2, arbitrary: fc.constantFrom(...SPECIAL) },
  { weight: 2, arbitrary: fc.constantFrom(...UNICODE_TRAPS) },
  { weight: 1, arbitrary: anyCodePoint },
);

export function nastyText(maxChars = 40): fc.Arbitrary<string> {
  return fc.array(nastyChar, { maxLength: maxChars }).map((chars) => chars.join(""));
}

/** Long text, both compressible (repeated) and not (random base64): exercises TOAST and large-value paths. */
export const veryLongText: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(
      nastyText(12).filter((s) => s.length > 0),
      fc.integer({ min: 2_000, max: 20_000 }),
    )
    .map(([unit, times]) => unit.repeat(times)),
  fc.uint8Array({ minLength: 20_000, maxLength: 60_000 }).map((bytes) => Buffer.from(bytes).toString("base64")),
);

/** Mostly short nasty text, rarely very long. */
export const text: fc.Arbitrary<string> = fc.oneof(
  { weight: 400, arbitrary: nastyText() },
  { weight: 1, arbitrary: veryLongText },
);

/** `null` one time in `freq`, the value otherwise. */
export function nullable<T>(arb: fc.Arbitrary<T>, freq = 6): fc.Arbitrary<T | null> {
  return fc.option(arb, { nil: null, freq });
}

export const int16 = fc.oneof(fc.constantFrom(-32768, 32767, 0, -1), fc.integer({ min: -32768, max: 32767 }));
export const int32 = fc.oneof(fc.constantFrom(-2147483648, 2147483647, 0, -1), fc.integer());
/** 64-bit integers as decimal strings (JavaScript numbers cannot hold them exactly). */
export const int64 = fc
  .oneof(fc.constantFrom(-(2n ** 63n), 2n ** 63n - 1n, 0n), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }))
  .map(String);

/** Arbitrary-precision decimals as strings, with NaN, infinities, huge scale and trailing zeros (which numeric keeps). */
export const decimal: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "NaN",
    "Infinity",
    "-Infinity",
    "0",
    "0.000",
    "-0.5",
    "1e-300",
    "123456789012345678901234567890.123456789012345678901234567890",
  ),
  fc
    .tuple(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), fc.integer({ min: 0, max: 30 }))
    .map(([digits, scale]) => {
      const s = (digits < 0n ? -digits : digits).toString().padStart(scale + 1, "0");
      const body = scale === 0 ? s : `${s.slice(0, s.length - scale)}.${s.slice(s.length - scale)}`;
      return (digits < 0n ? "-" : "") + body;
    }),
);

/** IEEE doubles including NaN, infinities, -0 and subnormals, as the text PostgreSQL parses. */
export const float64 = fc.double().map((d) => (Object.is(d, -0) ? "-0" : String(d)));

const MIN_TS = Date.UTC(1, 0, 1);
const MAX_TS = Date.UTC(9999, 11, 31);

/** Timestamps with microseconds, from year 1 to 9999, plus ±infinity. */
export const timestamp: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.constantFrom("infinity", "-infinity", "1970-01-01T00:00:00.000000Z", "2000-02-29T23:59:59.999999Z"),
  },
  {
    weight: 20,
    arbitrary: fc
      .tuple(fc.integer({ min: MIN_TS, max: MAX_TS }), fc.integer({ min: 0, max: 999 }))
      .map(([ms, micros]) => {
        const iso = new Date(ms).toISOString(); // +YYYYYY never happens inside 1..9999
        return `${iso.slice(0, 23)}${String(micros).padStart(3, "0")}Z`;
      }),
  },
);

/** JSON documents: nested, unicode keys and strings, numbers from integers to doubles (all finite: JSON has no NaN). */
export const jsonDocument: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)),
    nastyText(20),
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(nastyText(10), tie("value"), { maxKeys: 5 }),
  ),
})).value;

export const bytes = fc
  .oneof(
    { weight: 20, arbitrary: fc.uint8Array({ maxLength: 64 }) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1_000, maxLength: 20_000 }) },
  )
  .map((b) => Buffer.from(b));
