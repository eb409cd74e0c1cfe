/**
 * The scenarios every procedure of the config is drilled by (harness/procedure/scenarios.ts), light enough for the
 * config check and the command line's plan: `load` and `clean` as for a built-in method, `older-backup` (its
 * expectation holds for any backup), and the generic faults on the artifact, offered when the procedure says what
 * they must show (`faults` in its config).
 */
export const GENERIC_FAULTS = ["truncate-largest", "flip-byte-largest"] as const;
export type GenericFault = (typeof GENERIC_FAULTS)[number];

export const PROCEDURE_SCENARIOS: string[] = ["load", "clean", "older-backup", ...GENERIC_FAULTS];

/** The scenarios one procedure offers: the generic faults only where its config says what they must show. */
export function procedureScenarioNames(procedure: {
  faults?: Partial<Record<string, unknown>>;
  customFaults?: Record<string, unknown>;
}): string[] {
  return [
    ...PROCEDURE_SCENARIOS.filter(
      (s) => !(GENERIC_FAULTS as readonly string[]).includes(s) || procedure.faults?.[s] !== undefined,
    ),
    ...Object.keys(procedure.customFaults ?? {}),
  ];
}
