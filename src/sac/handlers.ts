/** The handler of each of the ten operations of the contract; none of them for an employer or a worker (callerKinds.ts). */
import { onlySacCallers } from './callerKinds.js';
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

export const HANDLERS: HandlerTable = onlySacCallers({
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
});
