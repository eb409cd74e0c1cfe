import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { drDrill, fakeDocker } from "./cli-process.ts";
import { makeTempDir } from "./support.ts";

describe("a bad value exits 2 naming where it came from, before Docker is asked anything", () => {
  let docker: Awaited<ReturnType<typeof fakeDocker>>;
  beforeAll(async () => (docker = await fakeDocker()));
  afterAll(() => docker.close());

  async function expectInputError(args: string[], env: NodeJS.ProcessEnv, origin: RegExp) {
    const { code, stderr } = await drDrill(args, { env: { ...env, DOCKER_HOST: docker.host } });
    expect(code, stderr).toBe(2);
    expect(stderr).toMatch(origin);
    expect(docker.requests).toEqual([]);
    return stderr;
  }

  it.each([
    [["campaign"], /required option '--engine <name>'/],
    [["campaign", "--engine", "emqx"], /--engine emqx: no fault campaign yet/],
    [["campaign", "--engine", "postgres", "--method", "snapshot"], /--method: unknown value "snapshot"/],
    [["campaign", "--engine", "postgres", "--faults", "0"], /--faults must be a positive integer/],
  ])("campaign input errors: %s", async (args, origin) => {
    await expectInputError(args, {}, origin);
  });

  it.each([
    [["verify", "--engine", "postgres"], /required option '--artifact <path>'/],
    [["verify", "--engine", "emqx", "--artifact", "."], /--engine emqx: no verify yet/],
    [
      ["verify", "--engine", "postgres", "--artifact", "/nonexistent/backup"],
      /--artifact \/nonexistent\/backup: no such file/,
    ],
    [
      ["verify", "--engine", "postgres", "--artifact", ".", "--max-age", "a day"],
      /--max-age "a day" is not a duration/,
    ],
    [["verify", "--engine", "postgres", "--artifact", ".", "--checks", "/nonexistent.json"], /--checks: cannot read/],
    [["verify", "--engine", "postgres", "--artifact", ".", "--compare-with", "/tmp"], /--compare-with: \/tmp holds no/],
  ])("verify input errors: %s", async (args, origin) => {
    await expectInputError(args, {}, origin);
  });

  it("--images bogus", async () => {
    await expectInputError(
      ["run", "--engine", "postgres", "--images", "bogus"],
      {},
      /--images: unknown image mode "bogus"/,
    );
  });

  it.each([["run", "--engine", "postgres"], ["setup"]])("DR_DRILL_IMAGES=bogus: %s", async (...args) => {
    const stderr = await expectInputError(
      args,
      { DR_DRILL_IMAGES: "bogus" },
      /DR_DRILL_IMAGES: unknown image mode "bogus"/,
    );
    expect(stderr).not.toContain("--images");
  });

  it("--writers 0 with a scenario that writes under load, by flag or config: never a silent drill without writes", async () => {
    await expectInputError(
      ["run", "--engine", "postgres", "--scenario", "load", "--writers", "0"],
      {},
      /--writers 0, but postgres load write\(s\) while the backup runs and need at least one writer: give --writers 1 or more/,
    );
    // The default scenario is `load`: no --scenario is no way around it.
    await expectInputError(
      ["run", "--engine", "postgres", "--writers", "0"],
      {},
      /--writers 0, but postgres load write/,
    );
    const config = join(await makeTempDir(), "dr-drill.config.ts");
    await writeFile(config, "export default { writers: 0 };\n");
    await expectInputError(
      ["run", "--engine", "postgres", "--scenario", "clean,load", "--config", config],
      {},
      new RegExp(`${config.replace(/[.\\]/g, "\\$&")}: writers: 0, but postgres load write`),
    );
  });

  it("a signing key that cannot be loaded: --signing-key, DR_DRILL_SIGNING_KEY, or the config's signing.privateKey", async () => {
    const dir = await makeTempDir();
    const missing = join(dir, "missing.key.pem");
    await expectInputError(
      ["run", "--engine", "postgres", "--signing-key", missing],
      {},
      /--signing-key: signing key file not found/,
    );
    await expectInputError(
      ["run", "--engine", "postgres"],
      { DR_DRILL_SIGNING_KEY: missing },
      /DR_DRILL_SIGNING_KEY: signing key file not found/,
    );
    const notAKey = join(dir, "not-a-key.pem");
    await writeFile(notAKey, "not a key\n");
    const config = join(dir, "dr-drill.config.ts");
    await writeFile(config, `export default { signing: { privateKey: ${JSON.stringify(notAKey)} } };\n`);
    await expectInputError(
      ["run", "--engine", "postgres", "--config", config],
      {},
      new RegExp(`${config.replace(/[.\\]/g, "\\$&")}: signing.privateKey: `),
    );
  });
});
