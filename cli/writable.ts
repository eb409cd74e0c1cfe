import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { UsageError } from "./args.ts";

/**
 * Checks, before anything starts, that a directory the command will write into can be made and written: it is a
 * directory, or its nearest existing ancestor is one, and this user may write there. A drill that ran for minutes
 * must not lose its report to a typo in `--reports`.
 */
export function writableDirectory(path: string, origin: string): string {
  const dir = resolve(path);
  let existing = dir;
  while (!existsSync(existing)) existing = dirname(existing);
  if (!statSync(existing).isDirectory()) {
    throw new UsageError(`${origin}: ${dir} cannot be a directory: ${existing} is a file`);
  }
  try {
    accessSync(existing, constants.W_OK);
  } catch (err) {
    throw new UsageError(`${origin}: ${dir} is not writable (${err instanceof Error ? err.message : String(err)})`);
  }
  return dir;
}
