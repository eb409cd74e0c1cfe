import { defineConfig } from "vitest/config";

// Two projects: `unit` needs nothing but Node; `drills` start real engine containers and need Docker.
export default defineConfig({
  test: {
    env: { TESTCONTAINERS_RYUK_DISABLED: "true" },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts", "harness/**/*.test.ts", "protocols/**/*.test.ts", "engines/**/*.test.ts"],
          testTimeout: 60_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "drills",
          include: ["test/drills/**/*.drill.ts", "engines/**/*.drill.ts"],
          globalSetup: ["test/drills/global-setup.ts"],
          // Workers are child processes, so a worker notices its run's main process going (Ctrl-C) and exits; the
          // run's reaper then removes what the run started (harness/runtime/reaper.ts).
          pool: "forks",
          setupFiles: ["test/drills/worker-setup.ts"],
          testTimeout: 20 * 60_000,
          hookTimeout: 20 * 60_000,
          // Two drill files at a time: every container, volume and network is labelled per drill, and a drill spends
          // most of its time waiting on a container, so two share 2 cores; tests inside one file stay in order.
          fileParallelism: true,
          maxWorkers: 2,
          // After the unit tests (a project with its own worker count needs its own group).
          sequence: { groupOrder: 1 },
          maxConcurrency: 1,
        },
      },
    ],
  },
});
