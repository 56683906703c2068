<?php
// The whole life of a certificate with PHP's SoapClient, built at run time from the served WSDL.
//
// Usage: php php_client.php WSDL_URL MEDICO_USER MEDICO_PASSWORD PINCODE OPERATORE_USER OPERATORE_PASSWORD
//                           WORKER_CF TODAY FINE RETTIFICA_FINE DATA_RICOVERO OVERSIZE_BYTES CHARSET
//
// CHARSET is SoapClient's 'encoding' option: UTF-8, or ISO-8859-1 for an application whose
// strings are Latin-1 (SoapClient converts them, and the answers back, at its edge).
//
// Prints one JSON object (ASCII only, so any locale will do) in the shape the Node test reads
// from every toolkit: each step's outcome as SoapClient returned it (converted to UTF-8 for
// JSON), and the XML of the first InviaMalattia as it went on the wire.

if ($argc < 14) {
    fwrite(STDERR, "usage: php_client.php WSDL_URL MEDICO_USER MEDICO_PASSWORD PINCODE OPERATORE_USER OPERATORE_PASSWORD WORKER_CF TODAY FINE RETTIFICA_FINE DATA_RICOVERO OVERSIZE_BYTES CHARSET\n");
    exit(2);
}
[, $wsdl, $user, $password, $pincode, $opUser, $opPassword, $worker, $today, $fine, $rettificaFine, $dataRicovero, $oversize, $charset] = $argv;

// The same texts as the other toolkits' scripts and the Node test (INTEROP_TEXT there),
// written in this file as UTF-8 and handed to SoapClient in the application's charset.
$latin1 = $charset === 'ISO-8859-1';
$app = fn (string $utf8): string => $latin1 ? iconv('UTF-8', 'ISO-8859-1', $utf8) : $utf8;
$fromApp = fn (?string $s): ?string => ($s === null || !$latin1) ? $s : iconv('ISO-8859-1', 'UTF-8', $s);
$NOTE = $app('Febbre alta, più tosse la sera: perché non passa? Riposo in città.');
$VIA = $app('Via della Città più Alta');
$NOTE_DIMISSIONE = $app('Dimesso: più riposo a casa, perché convalescente.');

function client(string $wsdl, string $user, string $password, string $charset): SoapClient
{
    return new SoapClient($wsdl, [
        'login' => $user,
        'password' => $password,
        'authentication' => SOAP_AUTHENTICATION_BASIC,
        'trace' => true,
        'exceptions' => true,
        // Always the WSDL as served now, never a copy cached by an earlier run.
        'cache_wsdl' => WSDL_CACHE_NONE,
        'encoding' => $charset,
        'connection_timeout' => 60,
        // Without it SoapClient turns a list of one (datiCertificato, errore) into a
        // bare object: what a vendor iterating over search results must set.
        'features' => SOAP_SINGLE_ELEMENT_ARRAYS,
    ]);
}

$doctor = client($wsdl, $user, $password, $charset);
$operator = client($wsdl, $opUser, $opPassword, $charset);

$errors = function (object $r) use ($fromApp): array {
    if (!isset($r->ricevutaNonOk)) return [];
    $out = [];
    foreach ($r->ricevutaNonOk->errore as $e) {
        $out[] = ['tipoErrore' => $e->tipoErrore, 'sezioneErrata' => $e->sezioneErrata, 'descrizione' => $fromApp($e->descrizione)];
    }
    return $out;
};
$hits = function (object $r): array {
    if (!isset($r->ricevutaOkRicercaMalattia)) return [];
    $out = [];
    // A vendor's loop over the hits: it must be a list, one hit included.
    foreach ($r->ricevutaOkRicercaMalattia->datiCertificato as $d) {
        $out[] = ['idCertificato' => $d->idCertificato, 'annullato' => $d->annullato, 'dataFine' => $d->malattia->dataFine];
    }
    return $out;
};

$medico = ['pincode' => $pincode];
$lavoratore = ['codiceFiscale' => $worker];
$residenza = ['via' => $VIA, 'civico' => '10', 'cap' => '00184', 'codiceCatastale' => 'H501', 'comune' => 'Roma', 'provincia' => 'RM'];
$malattia = fn (string $dataFine, ?string $note = null) => [
    'ruoloMedico' => 'S', 'dataRilascio' => $today, 'dataInizio' => $today, 'dataFine' => $dataFine,
    'visita' => 'A', 'tipoCertificato' => 'I',
    'diagnosi' => ['codiceDiagnosi' => '487.1', 'noteDiagnosi' => $note ?? $NOTE],
];

$out = ['functions' => count($doctor->__getFunctions())];

$r = $doctor->InterrogazioneLavoratore(['medico' => $medico, 'lavoratore' => $lavoratore]);
$out['interrogazione'] = isset($r->ricevutaOkInterrogazioneLavoratore)
    ? ['cognome' => $fromApp($r->ricevutaOkInterrogazioneLavoratore->cognome), 'nome' => $fromApp($r->ricevutaOkInterrogazioneLavoratore->nome)]
    : ['errors' => $errors($r)];

$r = $doctor->InviaMalattia(['medico' => $medico, 'lavoratore' => $lavoratore, 'residenza' => $residenza, 'malattia' => $malattia($fine)]);
$puc = $r->ricevutaOkInvioMalattia->idCertificato ?? null;
$out['invio'] = $puc !== null ? ['idCertificato' => $puc, 'dataRicezione' => $r->ricevutaOkInvioMalattia->dataRicezione] : ['errors' => $errors($r)];
$sent = $doctor->__getLastRequest();
$out['sentInvioDeclaration'] = substr($sent, 0, strpos($sent, '?>') + 2);
$out['sentInvioHasLatin1Bytes'] = str_contains($sent, iconv('UTF-8', 'ISO-8859-1', 'più'));
// As text for the wire-shape check: UTF-8 whatever the charset of the bytes.
$out['sentInvio'] = preg_match('/encoding="ISO-8859-1"/i', $out['sentInvioDeclaration']) ? iconv('ISO-8859-1', 'UTF-8', $sent) : $sent;

// dataFine before dataInizio: a rule violation, answered in ricevutaNonOk.
$r = $doctor->InviaMalattia(['medico' => $medico, 'lavoratore' => $lavoratore, 'residenza' => $residenza, 'malattia' => $malattia('2000-01-01')]);
$out['nonOk'] = ['accepted' => isset($r->ricevutaOkInvioMalattia), 'errors' => $errors($r)];

$r = $doctor->RicercaMalattia(['medico' => $medico, 'lavoratore' => $lavoratore]);
$out['ricerca'] = ['hits' => $hits($r), 'errors' => $errors($r)];

$r = $doctor->RistampaMalattia(['medico' => $medico, 'lavoratore' => $lavoratore, 'idCertificato' => $puc]);
$ok = $r->ricevutaOkRistampaMalattia ?? null;
$out['ristampa'] = $ok !== null ? [
    'cognome' => $fromApp($ok->lavoratore->cognome), 'nome' => $fromApp($ok->lavoratore->nome), 'via' => $fromApp($ok->residenza->via),
    'noteDiagnosi' => $fromApp($ok->malattia->diagnosi->noteDiagnosi), 'dataFine' => $ok->malattia->dataFine,
    // Byte-exact in the application's charset: what the application gets equals what it sent.
    'sameBytesAsSent' => $ok->malattia->diagnosi->noteDiagnosi === $NOTE && $ok->residenza->via === $VIA,
] : ['errors' => $errors($r)];

$r = $doctor->RettificaMalattia(['medico' => $medico, 'lavoratore' => $lavoratore, 'idCertificato' => $puc, 'dataFine' => $rettificaFine]);
$ok = $r->ricevutaOkRettificaMalattia ?? null;
$rettificato = $ok->idCertificato ?? null;
$out['rettifica'] = $ok !== null ? [
    'idCertificato' => $rettificato, 'dataFine' => $ok->malattia->dataFine,
    'noteDiagnosi' => $fromApp($ok->malattia->diagnosi->noteDiagnosi), 'via' => $fromApp($ok->residenza->via),
] : ['errors' => $errors($r)];

$r = $doctor->AnnullaMalattia(['medico' => $medico, 'lavoratore' => $lavoratore, 'idCertificato' => $rettificato]);
$out['annullamento'] = isset($r->ricevutaOkAnnullamentoMalattia) ? ['idAnnullamento' => $r->ricevutaOkAnnullamentoMalattia->idAnnullamento] : ['errors' => $errors($r)];

$r = $doctor->RicercaMalattia(['medico' => $medico, 'lavoratore' => $lavoratore]);
$out['ricercaFinale'] = ['hits' => $hits($r), 'errors' => $errors($r)];

// An admission by the structure's operator, then the discharge by the structure's doctor.
$struttura = ['codiceRegione' => '120', 'codiceAsl' => '201', 'codiceStruttura' => '120901'];
$r = $operator->InviaRicovero(['operatore' => $struttura, 'lavoratore' => $lavoratore, 'residenza' => $residenza, 'ricovero' => ['dataRicovero' => $dataRicovero]]);
$pucir = $r->ricevutaOkInvioRicovero->idInizioRicovero ?? null;
$out['ricovero'] = $pucir !== null ? ['idInizioRicovero' => $pucir] : ['errors' => $errors($r)];

$r = $doctor->InviaDimissione([
    'medico' => $medico + $struttura, 'lavoratore' => $lavoratore, 'idInizioRicovero' => $pucir, 'residenza' => $residenza,
    'dimissione' => [
        'ruoloMedico' => 'S', 'dataRicovero' => $dataRicovero, 'dataDimissione' => $today, 'dataFine' => $fine,
        'tipoCertificato' => 'I', 'tipoRicovero' => 'R', 'diagnosi' => ['codiceDiagnosi' => '486', 'noteDiagnosi' => $NOTE_DIMISSIONE],
    ],
]);
$ok = $r->ricevutaOkInvioDimissione ?? null;
$out['dimissione'] = $ok !== null ? ['idCertificato' => $ok->idCertificato, 'idInizioRicovero' => $ok->idInizioRicovero] : ['errors' => $errors($r)];

// A genuine SOAP fault: a request over the gateway's size limit, which SoapClient throws.
try {
    $doctor->InviaMalattia(['medico' => $medico, 'lavoratore' => $lavoratore, 'residenza' => $residenza, 'malattia' => $malattia($fine, str_repeat('x', (int) $oversize))]);
    $out['fault'] = null;
} catch (SoapFault $fault) {
    $out['fault'] = ['faultcode' => $fault->faultcode, 'faultstring' => $fromApp($fault->faultstring)];
}

// A wrong password: HTTP 401, which SoapClient throws as a SoapFault with faultcode HTTP.
try {
    client($wsdl, $user, $password . '-sbagliata', $charset)->InterrogazioneLavoratore(['medico' => $medico, 'lavoratore' => $lavoratore]);
    $out['wrongPassword'] = null;
} catch (SoapFault $fault) {
    $out['wrongPassword'] = "SoapFault {$fault->faultcode}: {$fault->faultstring}";
}

echo json_encode($out, JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR), "\n";
