/** The side-by-side table of `npm run bench`: the engine's own tool, our phase, their ratio, and our cost per row. */
export interface PhaseFigures {
  phase: "backup" | "read/check" | "restore";
  engineTool: string;
  engineMs: number | null;
  oursMs: number;
  /** Where our time went, when the drill's phases tell (e.g. the check's read-back alone). */
  detail?: string;
}

export interface SizeFigures {
  engine: string;
  version: string;
  rows: number;
  records: number;
  phases: PhaseFigures[];
}

export interface OracleFigures {
  records: number;
  keysPerSecond: number;
  peakRssMiB: number;
  checkMs: number;
}

const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);
const sec = (ms: number | null) => (ms === null ? "n/a" : `${(ms / 1000).toFixed(2)} s`);

/** Per-record cost of our phase in µs, over the records the drill loaded (several tables, so not exactly `rows`). */
export const perRowUs = (f: SizeFigures, p: PhaseFigures) => (p.oursMs * 1000) / Math.max(1, f.records);

export function sideBySide(sizes: SizeFigures[], oracle: OracleFigures[]): string {
  const lines = [
    `${pad("engine", 16)}${lpad("rows", 10)}  ${pad("phase", 11)}${lpad("engine alone", 13)}${lpad("dr-drill", 11)}${lpad("ratio", 8)}${lpad("µs/record", 11)}  engine's own tool`,
  ];
  for (const f of sizes) {
    for (const p of f.phases) {
      const ratio = p.engineMs === null ? "n/a" : `${(p.oursMs / p.engineMs).toFixed(2)}×`;
      lines.push(
        `${pad(`${f.engine} ${f.version}`, 16)}${lpad(f.rows.toLocaleString("en-US"), 10)}  ${pad(p.phase, 11)}${lpad(sec(p.engineMs), 13)}${lpad(sec(p.oursMs), 11)}${lpad(ratio, 8)}${lpad(perRowUs(f, p).toFixed(1), 11)}  ${p.engineTool}${p.detail ? `; ours: ${p.detail}` : ""}`,
      );
    }
  }
  if (oracle.length) {
    lines.push(
      "",
      `${pad("ledger oracle", 16)}${lpad("keys", 10)}  ${lpad("check", 11)}${lpad("keys/s", 13)}${lpad("peak RSS", 11)}`,
    );
    for (const o of oracle) {
      lines.push(
        `${pad("", 16)}${lpad(o.records.toLocaleString("en-US"), 10)}  ${lpad(sec(o.checkMs), 11)}${lpad(Math.round(o.keysPerSecond).toLocaleString("en-US"), 13)}${lpad(`${o.peakRssMiB.toFixed(0)} MiB`, 11)}`,
      );
    }
  }
  return lines.join("\n");
}

/** A benchmark target: a figure, the limit it must stay under (or reach, for a rate), and whether it did. */
export interface Judged {
  target: string;
  value: number | null;
  limit: number;
  unit: "×" | "records/s" | "MiB";
  verdict: "met" | "missed" | "not measured";
}

const judge = (target: string, value: number | null, limit: number, unit: Judged["unit"], atLeast = false): Judged => ({
  target,
  value,
  limit,
  unit,
  verdict:
    value === null || !Number.isFinite(value)
      ? "not measured"
      : (atLeast ? value >= limit : value <= limit)
        ? "met"
        : "missed",
});

export const formatJudged = (j: Judged) =>
  `${j.target}: ${j.value === null || !Number.isFinite(j.value) ? "—" : `${j.value.toFixed(2)} ${j.unit}`} (target ${j.unit === "records/s" ? "≥" : "≤"} ${j.limit} ${j.unit}) ${j.verdict}`;

/**
 * The targets of the read-back issue, each with the figures that decide it; a target needing a size that was not run
 * says "not measured". Ratios are ours ÷ the engine's own tool, measured side by side in one run.
 */
export function targets(sizes: SizeFigures[], oracle: OracleFigures[]): Judged[] {
  const of = (engine: string, rows: number) => sizes.find((s) => s.engine === engine && s.rows === rows);
  const phase = (f: SizeFigures | undefined, name: PhaseFigures["phase"]) => f?.phases.find((p) => p.phase === name);
  const ratio = (p: PhaseFigures | undefined) => (p && p.engineMs ? p.oursMs / p.engineMs : null);
  const out: Judged[] = [];
  for (const rows of [100_000, 1_000_000]) {
    const f = of("postgres", rows);
    const n = rows.toLocaleString("en-US");
    out.push(judge(`postgres check ÷ COPY at ${n}`, ratio(phase(f, "read/check")), 3, "×"));
    out.push(judge(`postgres backup ÷ pg_basebackup at ${n}`, ratio(phase(f, "backup")), 1.3, "×"));
    out.push(judge(`postgres restore ÷ cp + pg_ctl start at ${n}`, ratio(phase(f, "restore")), 1.3, "×"));
  }
  const q = of("questdb", 100_000);
  out.push(judge("questdb check ÷ /exp at 100,000", ratio(phase(q, "read/check")), 3, "×"));
  out.push(judge("questdb backup ÷ CHECKPOINT + cp -a at 100,000", ratio(phase(q, "backup")), 1.5, "×"));
  out.push(judge("questdb restore ÷ a bare start with _restore at 100,000", ratio(phase(q, "restore")), 1.3, "×"));
  const g = of("neo4j", 100_000);
  const gCheck = phase(g, "read/check");
  out.push(judge("neo4j check ÷ MATCH … RETURN streamed at 100,000", ratio(gCheck), 3, "×"));
  out.push(
    judge(
      "neo4j check rate at 100,000",
      g && gCheck ? g.records / (gCheck.oursMs / 1000) : null,
      20_000,
      "records/s",
      true,
    ),
  );
  for (const engine of [...new Set(sizes.map((s) => s.engine))]) {
    const [mid, big] = [of(engine, 100_000), of(engine, 1_000_000)];
    for (const name of ["backup", "read/check", "restore"] as const) {
      const a = phase(big, name);
      const b = phase(mid, name);
      if (big && mid && a && b)
        out.push(judge(`${engine} ${name} µs/record at 1M ÷ at 100k`, perRowUs(big, a) / perRowUs(mid, b), 1.2, "×"));
    }
  }
  const o1m = oracle.find((o) => o.records === 1_000_000);
  out.push(judge("oracle peak RSS at 1M keys", o1m ? o1m.peakRssMiB : null, 300, "MiB"));
  return out;
}
