import { describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO } from "./cli-process.ts";

/** The README's ```ts blocks whose first line names an example file (`// examples/x.config.ts`): an excerpt of it. */
async function quotedExamples(): Promise<{ file: string; body: string }[]> {
  const readme = await readFile(join(REPO, "README.md"), "utf8");
  return [...readme.matchAll(/```ts\n\/\/ (examples\/[\w.-]+)\n([\s\S]*?)```/g)].map((m) => ({
    file: m[1]!,
    body: m[2]!,
  }));
}

describe("the README's examples are copied from the files the tests drill", () => {
  it("quotes the steps of examples/pgbackrest.config.ts exactly as they are in the file", async () => {
    const quoted = await quotedExamples();
    expect(quoted.map((q) => q.file)).toContain("examples/pgbackrest.config.ts");
    for (const { file, body } of quoted) {
      const source = await readFile(join(REPO, file), "utf8");
      expect(source.includes(body), `README's ${file} differs from the file`).toBe(true);
      // Whole lines, and the procedure itself: its backup and restore steps.
      expect(source.includes(`\n${body}`), `README's ${file} starts inside a line`).toBe(true);
      expect(body).toMatch(/backup: \[[\s\S]*restore: \{/);
    }
  });
});
