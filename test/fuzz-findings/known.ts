/**
 * Findings of the fuzzer that are reported to the lead and wait for a fix
 * in src/ by another part of issue 9 (this branch changes nothing in src/).
 * Each is matched narrowly by its signature, counted and printed by the fuzz
 * test: never silently skipped, and anything else still fails the test.
 * Remove an entry once its fix is merged: the test then asserts it again.
 * The smallest reproducing requests are in this folder (README.md).
 */
import { FAULTS } from '../../src/catalog/diagnostics.js';
import type { KnownFinding } from '../support/fuzz/run.js';

const INTERNAL = 'internal error fault (soap:Server INTERNAL) for a client\'s request';
/** A processing instruction other than the XML declaration. */
const PROCESSING_INSTRUCTION = /<\?(?!xml[\s?])[A-Za-z_:][\w.:-]*/;

export const KNOWN_FINDINGS: readonly KnownFinding[] = [
];
