/** The handler of each of the ten operations of the contract. Employers and workers never reach them: the descriptor refuses their kinds (service.ts, callerKinds.ts). */
import { annullaMalattia } from './operations/annullaMalattia.js';
import { annullaRicovero } from './operations/annullaRicovero.js';
import { interrogazioneLavoratore } from './operations/interrogazioneLavoratore.js';
import { invioDimissione } from './operations/invioDimissione.js';
import { invioMalattia } from './operations/invioMalattia.js';
import { invioRicovero } from './operations/invioRicovero.js';
import { rettificaDimissione, rettificaMalattia } from './operations/rettifica.js';
import { ricercaMalattia } from './operations/ricercaMalattia.js';
import { ristampaMalattia } from './operations/ristampaMalattia.js';
import type { HandlerTable } from './services.js';

export const HANDLERS: HandlerTable = {
  InviaMalattia: invioMalattia,
  RettificaMalattia: rettificaMalattia,
  AnnullaMalattia: annullaMalattia,
  RicercaMalattia: ricercaMalattia,
  RistampaMalattia: ristampaMalattia,
  InviaRicovero: invioRicovero,
  AnnullaRicovero: annullaRicovero,
  InviaDimissione: invioDimissione,
  RettificaDimissione: rettificaDimissione,
  InterrogazioneLavoratore: interrogazioneLavoratore,
};
