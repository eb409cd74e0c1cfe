import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * dr-drill's own package.json, found upwards from this file: one directory up in the repository, two from the
 * compiled `dist/harness/`.
 */
function ownPackage(): { name: string; version: string } {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const path = join(dir, "package.json");
    if (!existsSync(path)) continue;
    const pkg = JSON.parse(readFileSync(path, "utf8")) as { name: string; version: string };
    if (pkg.name === "dr-drill") return pkg;
  }
  throw new Error(`no dr-drill package.json above ${fileURLToPath(import.meta.url)}`);
}

export function packageVersion(): string {
  return ownPackage().version;
}
