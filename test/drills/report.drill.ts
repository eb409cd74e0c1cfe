import { describe, it, expect, beforeAll } from "vitest";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, readFile, readlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { words } from "./support.ts";

/** Runs the command as a user would, in a child process, and returns its exit code and output. */
async function drillCommand(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; output: string }> {
  const child = spawn(process.execPath, ["bin/dr-drill.js", ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const [code] = (await once(child, "exit")) as [number];
  return { code, output };
}

const SECRETS = {
  GITHUB_TOKEN: "ghp_plantedInReportTest0123456789",
  DR_DRILL_POSTGRES_PASSWORD: "planted-pg-password-5e1d",
};
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

describe("dr-drill run: the report directory an auditor receives", () => {
  let root: string;
  let runDir: string;
  let keys: string;
  let runOutput: string;
  let stepSummary: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "dr-drill-report-"));
    keys = join(root, "keys");
    stepSummary = join(root, "step-summary.md");
    await writeFile(stepSummary, "");
    expect((await drillCommand(["keygen", "--out", keys])).code).toBe(0);
    const { code, output } = await drillCommand(
      [
        ...words("run --engine postgres --method physical --scenario load,flip-byte --rows 3000 --writers 2 --rto 10m"),
        "--reports",
        join(root, "reports"),
      ],
      { ...SECRETS, DR_DRILL_SIGNING_KEY: join(keys, "dr-drill-signing.key.pem"), GITHUB_STEP_SUMMARY: stepSummary },
    );
    runOutput = output;
    expect(code, output).toBe(0);
    runDir = join(root, "reports", await readlink(join(root, "reports", "latest")));
  });

  it("writes every file, and evidence.json matches the JSON Schema", async () => {
    for (const f of ["evidence.json", "report.html", "junit.xml", "summary.md", "manifest.sha256", "manifest.sig"])
      expect(existsSync(join(runDir, f)), f).toBe(true);
    const ajv = new Ajv2020.default({ allErrors: true, strict: true, allowUnionTypes: true });
    addFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(await readFile("schemas/run-evidence.schema.json", "utf8")));
    const evidence = JSON.parse(await readFile(join(runDir, "evidence.json"), "utf8"));
    expect(validate(evidence), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(evidence).toMatchObject({ verdict: "pass", counts: { drills: 2, passed: 2 } });
    expect(evidence.drills.map((d: { expectation: unknown }) => d.expectation)).toMatchObject([
      { outcome: "pass", met: true, observed: "passed" },
      {
        outcome: "detects",
        met: true,
        observed: "detected",
        declared: { by: [{ check: "ledger-oracle" }, { check: "preflight:pg_verifybackup" }] },
      },
    ]);
    expect(runOutput).toContain(`Report: ${runDir}/report.html`);
    expect(await readFile(stepSummary, "utf8")).toContain("## dr-drill ✅ PASS");
  });

  it("verify-report passes, then fails after a one-byte change and with a wrong key", async () => {
    const pub = join(keys, "dr-drill-signing.pub.pem");
    expect(await drillCommand(["verify-report", runDir, "--public-key", pub])).toMatchObject({
      code: 0,
      output: expect.stringMatching(/signature valid/),
    });
    const otherKeys = join(root, "other-keys");
    await drillCommand(["keygen", "--out", otherKeys]);
    expect(
      await drillCommand(["verify-report", runDir, "--public-key", join(otherKeys, "dr-drill-signing.pub.pem")]),
    ).toMatchObject({ code: 1, output: expect.stringMatching(/does not match/) });
    const copy = join(root, "tampered");
    await mkdir(copy);
    await cp(runDir, copy, { recursive: true });
    const summary = await readFile(join(copy, "summary.md"));
    summary[10] = summary[10]! ^ 0x20;
    await writeFile(join(copy, "summary.md"), summary);
    expect(await drillCommand(["verify-report", copy, "--public-key", pub])).toMatchObject({
      code: 1,
      output: expect.stringMatching(/changed: summary.md/),
    });
  });

  it("no planted secret appears in any report file", async () => {
    const files = (await readdir(join(root, "reports"), { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name));
    expect(files.length).toBeGreaterThan(8);
    const signingKey = await readFile(join(keys, "dr-drill-signing.key.pem"), "utf8");
    const keyBody = signingKey.split("\n")[1]!;
    for (const file of [...files, stepSummary]) {
      const text = await readFile(file, "utf8");
      for (const secret of [...Object.values(SECRETS), keyBody])
        expect(text.includes(secret), `${secret} in ${file}`).toBe(false);
    }
  });

  it("replay reruns a drill from its id with the same seed and the same data", async () => {
    const first = JSON.parse(await readFile(join(runDir, "evidence.json"), "utf8")).drills[1];
    const { code, output } = await drillCommand(["replay", first.drillId, "--reports", join(root, "reports")], SECRETS);
    expect(code, output).toBe(0);
    const again = JSON.parse(
      await readFile(join(root, "reports", await readlink(join(root, "reports", "latest")), "evidence.json"), "utf8"),
    ).drills[0];
    expect(again.drillId).toBe(first.drillId);
    expect(again.scope.dataset.digest).toBe(first.scope.dataset.digest);
    expect(again.expectation).toMatchObject({ outcome: "detects", met: true });
  });

  it("report.html renders in Chromium: no console error, the verdict, the charts", async () => {
    expect(
      existsSync(CHROMIUM),
      `Chromium not found at ${CHROMIUM}: npm test installs Debian's chromium; elsewhere set CHROMIUM_PATH`,
    ).toBe(true);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const problems: string[] = [];
      page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
      page.on("pageerror", (e) => problems.push(e.message));
      page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()}`));
      await page.goto(`file://${join(runDir, "report.html")}`);
      expect(await page.textContent("#verdict")).toBe("PASS");
      expect(await page.locator("svg.timeline").count()).toBe(2);
      expect(await page.locator("svg.timeline rect.phase").count()).toBeGreaterThan(10);
      expect(await page.locator("svg.timeline rect.thr").count()).toBeGreaterThan(5);
      expect(await page.locator("svg.timeline circle.lat").count()).toBeGreaterThan(50);
      expect(await page.locator("svg.trend").count()).toBe(1);
      // Rendered, not just present: the first timeline has a real size on screen.
      const box = await page.locator("svg.timeline").first().boundingBox();
      expect(box!.width).toBeGreaterThan(500);
      expect(box!.height).toBeGreaterThan(200);
      await expect(page.textContent("body")).resolves.toMatch(/flip-bytes[\s\S]*detects[\s\S]*detected/);
      await mkdir("test-artifacts", { recursive: true });
      await page.screenshot({ path: "test-artifacts/report.png", fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
