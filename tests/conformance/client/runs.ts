/**
 * Conformance runs with Atreus's client under test.
 * @module
 */
import type { SuiteRun } from "../runs.ts";

/** The client-role runs, one per runtime and protocol family. */
export const clientRuns: SuiteRun[] = [];
