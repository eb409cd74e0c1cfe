/**
 * The row of `version` in an engine's table of known versions (`engines/<name>/versions.ts`); any other version is an
 * error that names the known ones and the file that lists them, where a version is added.
 */
export function knownVersion<Row>(table: Record<string, Row>, version: string, product: string, file: string): Row {
  const known = table[version];
  if (!known)
    throw new Error(
      `unknown ${product} version "${version}"; known versions: ${Object.keys(table).join(", ")} (${file})`,
    );
  return known;
}
