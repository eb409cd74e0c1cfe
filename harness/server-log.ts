/**
 * The lines of a server log that an engine's pattern names as its errors: without colour codes, trimmed, each once,
 * in log order, at most `max`. `ignore` drops lines the pattern would take that say nothing about the data (a client
 * turned away while the server starts).
 */
export function errorLines(log: string, pattern: RegExp, opts: { ignore?: RegExp; max?: number } = {}): string[] {
  const seen = new Set<string>();
  for (const raw of log.split("\n")) {
    const line = raw.replace(ANSI, "").trim();
    if (!pattern.test(line) || opts.ignore?.test(line)) continue;
    seen.add(line.slice(0, 500));
    if (seen.size >= (opts.max ?? 20)) break;
  }
  return [...seen];
}

const ANSI = new RegExp(String.fromCharCode(27) + "\\[[0-9;]*m", "g");
