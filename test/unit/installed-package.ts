import { execFile } from "node:child_process";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "vitest";
import { REPO } from "./cli-process.ts";

const exec = promisify(execFile);

/**
 * dr-drill as a user installs it: `npm pack` of this repository (its `prepare` builds dist/), then
 * `npm install -g --prefix <dir>/prefix` of the tarball, run from an empty directory. The dependencies come from npm's
 * cache where it has them (--prefer-offline). Returns the installed command.
 */
export async function installPackage(dir: string): Promise<string> {
  const packDir = join(dir, "pack");
  const empty = join(dir, "empty");
  await mkdir(packDir);
  await mkdir(empty);
  const { stdout } = await exec("npm", ["pack", "--json", "--pack-destination", packDir], {
    cwd: REPO,
    maxBuffer: 64 * 1024 * 1024,
  });
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  const prefix = join(dir, "prefix");
  await exec(
    "npm",
    ["install", "--global", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund", join(packDir, filename)],
    { cwd: empty, maxBuffer: 64 * 1024 * 1024 },
  );
  return join(prefix, "bin", "dr-drill");
}

/** The config file the README shows, taken from the README itself. */
export async function readmeConfig(): Promise<string> {
  const readme = await readFile(join(REPO, "README.md"), "utf8");
  const block = /```ts\n(import \{ defineConfig \} from "dr-drill\/config";[\s\S]*?)```/.exec(readme);
  expect(block, "the README's dr-drill.config.ts example").not.toBeNull();
  return block![1]!;
}
