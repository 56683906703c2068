#!/usr/bin/env python3
"""Calls the gateway with zeep, a client generated at run time from the served WSDL.

Usage: zeep_client.py WSDL_URL USER PASSWORD ENCRYPTED_PINCODE TODAY WORKER_CF

Prints one JSON object: each call's result as zeep returns it (serialized to plain
data) plus the XML zeep put on the wire, so the Node test can check both. WORKER_CF
is a worker no other client of the test certifies, so the searches have a known answer.
"""
import json
import sys

import requests
from lxml import etree
from zeep import Client, Settings
from zeep.exceptions import Fault
from zeep.helpers import serialize_object
from zeep.plugins import HistoryPlugin
from zeep.transports import Transport


def main() -> None:
    wsdl_url, user, password, pincode, today, worker = sys.argv[1:7]
    session = requests.Session()
    session.auth = requests.auth.HTTPBasicAuth(user, password)
    history = HistoryPlugin()
    # strict=True: the answer must match the served schema, no lenient parsing.
    client = Client(wsdl_url, transport=Transport(session=session, timeout=60, operation_timeout=60), settings=Settings(strict=True), plugins=[history])

    def call(name, **kwargs):
        result = getattr(client.service, name)(**kwargs)
        sent = etree.tostring(history.last_sent["envelope"], encoding="unicode")
        return {"result": serialize_object(result, dict), "sent": sent}

    medico = {"pincode": pincode}
    residenza = {"via": "Via Nazionale", "civico": "10", "cap": "00184", "codiceCatastale": "H501", "comune": "Roma", "provincia": "RM"}

    def malattia(data_fine, note="Febbre, cefalea e astenia: è influenza"):
        return {
            "ruoloMedico": "S", "dataRilascio": today, "dataInizio": today, "dataFine": data_fine,
            "visita": "A", "tipoCertificato": "I",
            # A non-ASCII note: checks that zeep's UTF-8 reaches the gateway intact.
            "diagnosi": {"codiceDiagnosi": "487.1", "noteDiagnosi": note},
        }

    lavoratore = {"codiceFiscale": worker}
    out = {
        "serviceAddress": client.wsdl.services["CertificatiMedici"].ports["CertificatiMedici"].binding_options["address"],
        "interrogazione": call("InterrogazioneLavoratore", medico=medico, lavoratore=lavoratore),
        "invio": call("InviaMalattia", medico=medico, lavoratore=lavoratore, residenza=residenza, malattia=malattia(today)),
        # dataFine before dataInizio: a rule violation the gateway answers in ricevutaNonOk.
        "invioErrato": call("InviaMalattia", medico=medico, lavoratore=lavoratore, residenza=residenza, malattia=malattia("2000-01-01")),
    }
    # The search right after the first certificate: a list of one datiCertificato.
    out["ricerca"] = call("RicercaMalattia", medico=medico, lavoratore=lavoratore)
    out["invio2"] = call("InviaMalattia", medico=medico, lavoratore=lavoratore, residenza=residenza, malattia=malattia(today))
    out["ricercaDue"] = call("RicercaMalattia", medico=medico, lavoratore=lavoratore, dataInizioRicerca=today, dataFineRicerca=today)
    # A request over the gateway's size limit: a genuine soap:Client fault, which zeep raises.
    try:
        client.service.InviaMalattia(medico=medico, lavoratore=lavoratore, residenza=residenza, malattia=malattia(today, "x" * 70000))
        out["fault"] = None
    except Fault as fault:
        out["fault"] = {"faultcode": fault.code, "faultstring": fault.message}
    # ASCII-only JSON: the output is correct whatever locale the child process runs in.
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
