import { InputError } from "../errors.ts";

/**
 * Where engine images come from:
 * - `official`: the engine's published image (e.g. `postgres:15`), pulled if not present;
 * - `offline`: built here from `engines/<name>/images/` on a Debian base made with debootstrap, no registry needed;
 * - `auto`: official when it is present or can be pulled, offline otherwise.
 *
 * A module of its own, without the Docker client: the command checks a mode before anything starts.
 */
export type ImageMode = "official" | "offline" | "auto";
export const IMAGE_MODES: readonly ImageMode[] = ["official", "offline", "auto"];

export function parseImageMode(value: string | undefined, origin: string): ImageMode {
  const mode = IMAGE_MODES.find((m) => m === (value ?? "auto"));
  if (!mode) throw new InputError(`${origin}: unknown image mode "${value}"; use one of ${IMAGE_MODES.join(", ")}`);
  return mode;
}
