/**
 * `DUMP DATABASE` returns one Cypher query per row (column QUERY); dr-drill stores them one per line (a `.cypherl`
 * file, as Memgraph Lab exports). The replay splits a script into statements at `;` outside string literals and
 * back-quoted names, so a `;` or a line break inside a value never cuts a query in two.
 */
export function splitCypherScript(script: string): string[] {
  const statements: string[] = [];
  let current = "";
  let quote: string | undefined;
  for (let i = 0; i < script.length; i++) {
    const c = script[i]!;
    if (quote) {
      current += c;
      if (c === "\\" && quote !== "`" && i + 1 < script.length) current += script[++i];
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"' || c === "`") quote = c;
    if (c === ";") {
      if (current.trim()) statements.push(current.trim());
      current = "";
      continue;
    }
    current += c;
  }
  if (quote) throw new Error(`the dump ends inside a ${quote}-quoted literal: it was cut short`);
  if (current.trim()) statements.push(current.trim());
  return statements;
}

/** The dump's rows written as a script: each query on its own line, ending in `;`. */
export function cypherlOf(queries: string[]): string {
  return queries.map((q) => (q.trimEnd().endsWith(";") ? q.trimEnd() : `${q.trimEnd()};`)).join("\n") + "\n";
}
