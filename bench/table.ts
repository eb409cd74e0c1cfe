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

/** The issue's targets, each with the figures that decide it; a target needing a size not run is not judged. */
export function targets(sizes: SizeFigures[], oracle: OracleFigures[]): string[] {
  const out: string[] = [];
  for (const engine of [...new Set(sizes.map((s) => s.engine))]) {
    const of = (rows: number) => sizes.find((s) => s.engine === engine && s.rows === rows);
    const big = of(1_000_000);
    const mid = of(100_000);
    const phase = (f: SizeFigures | undefined, name: PhaseFigures["phase"]) => f?.phases.find((p) => p.phase === name);
    const ratio = (p: PhaseFigures | undefined) => (p && p.engineMs ? p.oursMs / p.engineMs : null);
    const judge = (what: string, value: number | null, limit: number) =>
      out.push(
        `${engine}: ${what}: ${value === null ? "not measured" : `${value.toFixed(2)} (target ≤ ${limit}) ${value <= limit ? "HOLDS" : "MISSED"}`}`,
      );
    judge("check ÷ raw read at 1M", ratio(phase(big, "read/check")), 2);
    judge("backup ÷ engine's tool at 1M", ratio(phase(big, "backup")), 1.1);
    judge("restore ÷ engine's tool at 1M", ratio(phase(big, "restore")), 1.1);
    for (const name of ["backup", "read/check", "restore"] as const) {
      const a = phase(big, name);
      const b = phase(mid, name);
      judge(
        `${name} µs/record at 1M ÷ at 100k`,
        a && b && big && mid ? perRowUs(big, a) / perRowUs(mid, b) : null,
        1.2,
      );
    }
  }
  const o1m = oracle.find((o) => o.records === 1_000_000);
  out.push(
    `oracle: peak RSS at 1M keys: ${o1m ? `${o1m.peakRssMiB.toFixed(0)} MiB (target < 300) ${o1m.peakRssMiB < 300 ? "HOLDS" : "MISSED"}` : "not measured"}`,
  );
  return out;
}
