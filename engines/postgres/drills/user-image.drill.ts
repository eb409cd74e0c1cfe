import { describe, it, expect } from "vitest";
import { ImageResolver, parseImageMode } from "../../../harness/runtime/images.ts";
import { postgresImageSpec } from "../../../protocols/pg/image.ts";
import { mainOf } from "../../../test/unit/cli-process.ts";
import { expectPass, runOne } from "../../../test/drills/support.ts";

/** The ref this machine runs PostgreSQL `version` from (official or offline): a stand-in for the user's own build. */
async function imageOf(version: string): Promise<string> {
  const mode = parseImageMode(process.env.DR_DRILL_IMAGES, "DR_DRILL_IMAGES");
  return (await new ImageResolver(mode, () => undefined).resolve(postgresImageSpec(version))).ref;
}

describe("postgres: the user's own image (--image postgres=REF)", () => {
  it("an image of another major is refused before any drill, naming what differs (exit 2, no time-out)", async () => {
    const ref = await imageOf("17");
    const { code, stderr } = await mainOf([
      ...["run", "--engine", "postgres", "--version", "15", "--scenario", "clean", "--method", "physical"],
      ...["--rows", "10", "--image", `postgres=${ref}`, "--images", process.env.DR_DRILL_IMAGES ?? "auto"],
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain(`--image postgres=${ref} does not fit dr-drill's postgres 15`);
    expect(stderr).toMatch(/PostgreSQL major 17 .*the drill needs 15/);
  });

  it("an image that fits is drilled, and the evidence says it was the user's", async () => {
    const ref = await imageOf("15");
    const result = await runOne("postgres", "clean", { method: "physical", rows: 1_000, image: ref });
    expectPass(result);
    expect(result.evidence.scope.images).toEqual([expect.objectContaining({ ref, source: "user" })]);
    expect(result.evidence.scope.restoreTarget.images).toEqual([expect.objectContaining({ ref, source: "user" })]);
  });
});
