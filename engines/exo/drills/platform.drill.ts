import { describe, expect, it } from "vitest";
import { ImageResolver, ImageUnavailableError, parseImageMode } from "../../../harness/runtime/images.ts";
import { EXO_DEFAULT_VERSION, platformImageSpec } from "../index.ts";
import { skipUnless } from "../../../test/drills/support.ts";

/** Why the platform cannot be started here: its official image is neither present nor pullable (nothing builds it). */
async function missingPlatform(): Promise<string | undefined> {
  const resolver = new ImageResolver(parseImageMode(process.env.DR_DRILL_IMAGES, "DR_DRILL_IMAGES"), () => {});
  try {
    await resolver.resolve(platformImageSpec(EXO_DEFAULT_VERSION));
    return undefined;
  } catch (err) {
    if (err instanceof ImageUnavailableError) return err.message;
    throw err;
  }
}

const missing = await missingPlatform();

describe("exo: the platform on the restored tier", () => {
  // The optional last step of eXo's restore: start the platform on the restored parts and see it serve. Where the
  // image is present this step is not written yet, and the test says so instead of passing.
  it("starts exoplatform/exo on the restored data tier", (ctx) => {
    skipUnless(ctx, missing);
    expect.fail(
      `${platformImageSpec(EXO_DEFAULT_VERSION).official} is present, but starting the platform on a restored tier is not implemented (README, "eXo Platform: the data tier, not the platform")`,
    );
  });
});
