import { joinInvocation } from "../../harness/runtime/reaper.ts";

// Each drill worker joins its test run's reaper, and exits when the run's main process is gone (harness/runtime/reaper.ts).
await joinInvocation();
