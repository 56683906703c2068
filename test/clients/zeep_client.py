#!/usr/bin/env python3
"""The whole life of a certificate with zeep, a client generated at run time from the served WSDL.

Usage: zeep_client.py WSDL_URL MEDICO_USER MEDICO_PASSWORD PINCODE OPERATORE_USER OPERATORE_PASSWORD
                      WORKER_CF TODAY FINE RETTIFICA_FINE DATA_RICOVERO OVERSIZE_BYTES CHARSET

CHARSET is UTF-8 (zeep's own) or ISO-8859-1: then the requests go out in ISO-8859-1, through
the Transport.post_xml override zeep documents for custom serialization.

Prints one JSON object (ASCII only, so any locale will do) in the shape the Node test reads
from every toolkit: each step's outcome as zeep returned it, and the XML of the first
InviaMalattia as it went on the wire.
"""
import json
import sys

import requests
from lxml import etree
from zeep import Client, Settings
from zeep.exceptions import Fault, TransportError
from zeep.transports import Transport

# The same texts as the other toolkits' scripts and the Node test (INTEROP_TEXT there).
NOTE = "Febbre alta, più tosse la sera: perché non passa? Riposo in città."
VIA = "Via della Città più Alta"
NOTE_DIMISSIONE = "Dimesso: più riposo a casa, perché convalescente."


class CharsetTransport(Transport):
    """Serializes each request in the chosen charset, and keeps what it last posted."""

    def __init__(self, charset, **kwargs):
        super().__init__(**kwargs)
        self.charset = charset
        self.last_body = b""

    def post_xml(self, address, envelope, headers):
        if self.charset == "UTF-8":
            body = etree.tostring(envelope, xml_declaration=True, encoding="utf-8")
        else:
            body = etree.tostring(envelope, xml_declaration=True, encoding=self.charset)
            headers = {**headers, "Content-Type": f"text/xml; charset={self.charset}"}
        self.last_body = body
        return self.post(address, body, headers)


def client_for(wsdl_url, user, password, charset):
    session = requests.Session()
    session.auth = requests.auth.HTTPBasicAuth(user, password)
    # The gateway is on loopback: no proxy from the environment (http_proxy) may stand in between.
    session.trust_env = False
    transport = CharsetTransport(charset, session=session, timeout=60, operation_timeout=60)
    # strict=True: the answers must match the served schema, no lenient parsing.
    return Client(wsdl_url, transport=transport, settings=Settings(strict=True)), transport


def errors(result):
    non_ok = result["ricevutaNonOk"]
    if non_ok is None:
        return []
    return [{"tipoErrore": e["tipoErrore"], "sezioneErrata": e["sezioneErrata"], "descrizione": e["descrizione"]} for e in non_ok["errore"]]


def hits(result):
    ok = result["ricevutaOkRicercaMalattia"]
    if ok is None:
        return []
    # A vendor's loop over the hits: it must be a list, one hit included.
    return [{"idCertificato": d["idCertificato"], "annullato": d["annullato"], "dataFine": d["malattia"]["dataFine"]} for d in ok["datiCertificato"]]


def main() -> None:
    (wsdl_url, user, password, pincode, op_user, op_password, worker, today, fine, rettifica_fine, data_ricovero, oversize, charset) = sys.argv[1:14]
    doctor, transport = client_for(wsdl_url, user, password, charset)
    operator, _ = client_for(wsdl_url, op_user, op_password, charset)
    service = doctor.service
    medico = {"pincode": pincode}
    lavoratore = {"codiceFiscale": worker}
    residenza = {"via": VIA, "civico": "10", "cap": "00184", "codiceCatastale": "H501", "comune": "Roma", "provincia": "RM"}

    def malattia(data_fine, note=NOTE):
        return {
            "ruoloMedico": "S", "dataRilascio": today, "dataInizio": today, "dataFine": data_fine,
            "visita": "A", "tipoCertificato": "I",
            "diagnosi": {"codiceDiagnosi": "487.1", "noteDiagnosi": note},
        }

    out = {"serviceAddress": doctor.wsdl.services["CertificatiMedici"].ports["CertificatiMedici"].binding_options["address"]}

    r = service.InterrogazioneLavoratore(medico=medico, lavoratore=lavoratore)
    ok = r["ricevutaOkInterrogazioneLavoratore"]
    out["interrogazione"] = {"cognome": ok["cognome"], "nome": ok["nome"]} if ok else {"errors": errors(r)}

    r = service.InviaMalattia(medico=medico, lavoratore=lavoratore, residenza=residenza, malattia=malattia(fine))
    ok = r["ricevutaOkInvioMalattia"]
    puc = ok["idCertificato"] if ok else None
    out["invio"] = {"idCertificato": puc, "dataRicezione": ok["dataRicezione"].isoformat()} if ok else {"errors": errors(r)}
    # What went on the wire, decoded with the charset its own declaration names.
    out["sentInvio"] = etree.tostring(etree.fromstring(transport.last_body), encoding="unicode")
    out["sentInvioDeclaration"] = transport.last_body[: transport.last_body.index(b"?>") + 2].decode("ascii")
    out["sentInvioHasLatin1Bytes"] = "più".encode("latin-1") in transport.last_body

    # dataFine before dataInizio: a rule violation, answered in ricevutaNonOk.
    r = service.InviaMalattia(medico=medico, lavoratore=lavoratore, residenza=residenza, malattia=malattia("2000-01-01"))
    out["nonOk"] = {"accepted": r["ricevutaOkInvioMalattia"] is not None, "errors": errors(r)}

    r = service.RicercaMalattia(medico=medico, lavoratore=lavoratore)
    out["ricerca"] = {"hits": hits(r), "errors": errors(r)}

    r = service.RistampaMalattia(medico=medico, lavoratore=lavoratore, idCertificato=puc)
    ok = r["ricevutaOkRistampaMalattia"]
    out["ristampa"] = {
        "cognome": ok["lavoratore"]["cognome"], "nome": ok["lavoratore"]["nome"], "via": ok["residenza"]["via"],
        "noteDiagnosi": ok["malattia"]["diagnosi"]["noteDiagnosi"], "dataFine": ok["malattia"]["dataFine"],
    } if ok else {"errors": errors(r)}

    r = service.RettificaMalattia(medico=medico, lavoratore=lavoratore, idCertificato=puc, dataFine=rettifica_fine)
    ok = r["ricevutaOkRettificaMalattia"]
    rettificato = ok["idCertificato"] if ok else None
    out["rettifica"] = {
        "idCertificato": rettificato, "dataFine": ok["malattia"]["dataFine"],
        "noteDiagnosi": ok["malattia"]["diagnosi"]["noteDiagnosi"], "via": ok["residenza"]["via"],
    } if ok else {"errors": errors(r)}

    r = service.AnnullaMalattia(medico=medico, lavoratore=lavoratore, idCertificato=rettificato)
    ok = r["ricevutaOkAnnullamentoMalattia"]
    out["annullamento"] = {"idAnnullamento": ok["idAnnullamento"]} if ok else {"errors": errors(r)}

    r = service.RicercaMalattia(medico=medico, lavoratore=lavoratore)
    out["ricercaFinale"] = {"hits": hits(r), "errors": errors(r)}

    # An admission by the structure's operator, then the discharge by the structure's doctor.
    struttura = {"codiceRegione": "120", "codiceAsl": "201", "codiceStruttura": "120901"}
    r = operator.service.InviaRicovero(operatore=struttura, lavoratore=lavoratore, residenza=residenza, ricovero={"dataRicovero": data_ricovero})
    ok = r["ricevutaOkInvioRicovero"]
    pucir = ok["idInizioRicovero"] if ok else None
    out["ricovero"] = {"idInizioRicovero": pucir} if ok else {"errors": errors(r)}

    r = service.InviaDimissione(
        medico={**medico, **struttura}, lavoratore=lavoratore, idInizioRicovero=pucir, residenza=residenza,
        dimissione={
            "ruoloMedico": "S", "dataRicovero": data_ricovero, "dataDimissione": today, "dataFine": fine,
            "tipoCertificato": "I", "tipoRicovero": "R", "diagnosi": {"codiceDiagnosi": "486", "noteDiagnosi": NOTE_DIMISSIONE},
        },
    )
    ok = r["ricevutaOkInvioDimissione"]
    out["dimissione"] = {"idCertificato": ok["idCertificato"], "idInizioRicovero": ok["idInizioRicovero"]} if ok else {"errors": errors(r)}

    # A genuine SOAP fault: a request over the gateway's size limit, which zeep raises.
    try:
        service.InviaMalattia(medico=medico, lavoratore=lavoratore, residenza=residenza, malattia=malattia(fine, "x" * int(oversize)))
        out["fault"] = None
    except Fault as fault:
        out["fault"] = {"faultcode": fault.code, "faultstring": fault.message}

    # A wrong password: HTTP 401, which zeep raises as a TransportError.
    intruder, _ = client_for(wsdl_url, user, password + "-sbagliata", charset)
    try:
        intruder.service.InterrogazioneLavoratore(medico=medico, lavoratore=lavoratore)
        out["wrongPassword"] = None
    except TransportError as err:
        out["wrongPassword"] = f"TransportError: HTTP {err.status_code}"

    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
