/**
 * Printed copies, Allegati A–E (disciplinare §6): the module's surface.
 * Build a form from store records (fromStore), render it (renderForm).
 * Who may get which form is decided by the caller, not here.
 */
export type { Allegato, PrintableAttestato, PrintableCertificato, PrintableForm, PrintableRicovero, PrintedPerson, PrintedState, PrintedStructure } from './model.js';
export { FORM_TITLES } from './model.js';
export { attestatoFrom, certificatoFrom, printedPerson, ricoveroFrom, type PrintSources } from './fromStore.js';
export { renderForm } from './render.js';
export { PrintRenderError } from './errors.js';
