/** Which operations have a handler. The others answer a Server fault saying so. */
import { interrogazioneLavoratore } from './operations/interrogazioneLavoratore.js';
import { invioMalattia } from './operations/invioMalattia.js';
import { ristampaMalattia } from './operations/ristampaMalattia.js';
import type { HandlerTable } from './services.js';

export const HANDLERS: HandlerTable = {
  InviaMalattia: invioMalattia,
  InterrogazioneLavoratore: interrogazioneLavoratore,
  RistampaMalattia: ristampaMalattia,
};
