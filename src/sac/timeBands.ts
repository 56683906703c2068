/**
 * Hours of service per kind of user (SAC_TIME_BANDS): outside its band a
 * call is answered ricevutaNonOk with diagnostic 8001 naming the band, and
 * nothing is done. The check wraps each handler, so it runs once the
 * operation is known (its response element carries the answer) and uses the
 * service's clock (tests set the time). A kind without a band, and every
 * route other than the SOAP operations, is served at all hours.
 */
import { diagnostic } from '../catalog/diagnostics.js';
import type { TimeBand } from '../config.js';
import { romeMinuteOfDay } from '../domain/dates.js';
import type { SoapHandler, SoapHandlerTable } from '../soap/pipeline.js';
import type { UserKind, UserRecord } from '../store/port.js';
import type { Clock, Services } from './services.js';

/** Whether a minute of the day (Rome) is inside the band; a band whose start is after its end crosses midnight. */
export function inBand(band: TimeBand, minute: number): boolean {
  return band.fromMinute < band.toMinute ? minute >= band.fromMinute && minute < band.toMinute : minute >= band.fromMinute || minute < band.toMinute;
}

/**
 * The handlers, each refusing callers outside their kind's band; the table itself when no band is set.
 * Any hosted service whose handlers get a clock may be wrapped (CertificatiMedici, AttestatiMalattia).
 */
export function withTimeBands<S extends { readonly clock: Clock } = Services, Name extends string = string>(
  handlers: SoapHandlerTable<UserRecord, S, Name>,
  bands: Readonly<Partial<Record<UserKind, TimeBand>>>,
): SoapHandlerTable<UserRecord, S, Name> {
  if (Object.keys(bands).length === 0) return handlers;
  const wrapped: SoapHandlerTable<UserRecord, S, Name> = {};
  for (const [operation, handler] of Object.entries(handlers) as [Name, SoapHandler<UserRecord, S>][]) {
    wrapped[operation] = (request, caller, services, headers) => {
      const band = bands[caller.kind];
      if (band !== undefined && !inBand(band, romeMinuteOfDay(services.clock.now()))) {
        return { errors: [diagnostic('FUORI_FASCIA_ORARIA', { tipo: caller.kind, fascia: band.label, operazione: operation })] };
      }
      return handler(request, caller, services, headers);
    };
  }
  return wrapped;
}
