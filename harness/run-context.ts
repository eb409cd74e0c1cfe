import type { ProgressSink } from "./progress.ts";
import type { ImageMode } from "./runtime/images.ts";

/** What every request to run drills (a scenario's, a campaign's) carries about the run itself, not the drill. */
export interface RunRequestContext {
  images: ImageMode;
  runId: string;
  reportsDir: string;
  keepArtifacts: boolean;
  /** The user's image for the drill's engine (`--image engine=REF`), instead of the official or offline one. */
  image?: string;
  sink?: ProgressSink;
  signal?: AbortSignal;
}

/** That context as the drill runners' options name it. */
export function runOptions(req: RunRequestContext) {
  return {
    imageMode: req.images,
    ...(req.image ? { userImage: req.image } : {}),
    reportsDir: req.reportsDir,
    runId: req.runId,
    keepArtifacts: req.keepArtifacts,
    sink: req.sink,
    signal: req.signal,
  };
}
