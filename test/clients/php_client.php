<?php
// Calls the gateway with PHP's SoapClient, built at run time from the served WSDL.
//
// Usage: php php_client.php WSDL_URL USER PASSWORD ENCRYPTED_PINCODE TODAY WORKER_CF
//
// Prints one JSON object: each call's result (SoapClient's stdClass, as arrays)
// and the request XML it sent, for the Node test to check. WORKER_CF is a worker
// no other client of the test certifies, so the searches have a known answer.

if ($argc < 7) {
    fwrite(STDERR, "usage: php_client.php WSDL_URL USER PASSWORD PINCODE TODAY WORKER_CF\n");
    exit(2);
}
[, $wsdl, $user, $password, $pincode, $today, $worker] = $argv;

$client = new SoapClient($wsdl, [
    'login' => $user,
    'password' => $password,
    'authentication' => SOAP_AUTHENTICATION_BASIC,
    'trace' => true,
    'exceptions' => true,
    // Always the WSDL as served now, never a copy cached by an earlier run.
    'cache_wsdl' => WSDL_CACHE_NONE,
    'encoding' => 'UTF-8',
    'connection_timeout' => 60,
    // Without it SoapClient turns a list of one (datiCertificato, errore) into a
    // bare object: what a vendor iterating over search results must set.
    'features' => SOAP_SINGLE_ELEMENT_ARRAYS,
]);

function call(SoapClient $client, string $name, array $payload): array
{
    $result = $client->__soapCall($name, [$payload]);
    return [
        // stdClass trees to plain arrays; repeated elements are lists, even of one.
        'result' => json_decode(json_encode($result), true),
        'sent' => $client->__getLastRequest(),
    ];
}

$medico = ['pincode' => $pincode];
$lavoratore = ['codiceFiscale' => $worker];
$residenza = ['via' => 'Via Nazionale', 'civico' => '10', 'cap' => '00184', 'codiceCatastale' => 'H501', 'comune' => 'Roma', 'provincia' => 'RM'];
$malattia = fn (string $dataFine, string $note = 'Febbre, cefalea e astenia: è influenza') => [
    'ruoloMedico' => 'S', 'dataRilascio' => $today, 'dataInizio' => $today, 'dataFine' => $dataFine,
    'visita' => 'A', 'tipoCertificato' => 'I',
    // Non-ASCII on purpose: checks that the UTF-8 text arrives intact.
    'diagnosi' => ['codiceDiagnosi' => '487.1', 'noteDiagnosi' => $note],
];

$out = [
    'functions' => $client->__getFunctions(),
    'interrogazione' => call($client, 'InterrogazioneLavoratore', ['medico' => $medico, 'lavoratore' => $lavoratore]),
    'invio' => call($client, 'InviaMalattia', ['medico' => $medico, 'lavoratore' => $lavoratore, 'residenza' => $residenza, 'malattia' => $malattia($today)]),
    // dataFine before dataInizio: a rule violation the gateway answers in ricevutaNonOk.
    'invioErrato' => call($client, 'InviaMalattia', ['medico' => $medico, 'lavoratore' => $lavoratore, 'residenza' => $residenza, 'malattia' => $malattia('2000-01-01')]),
];
// The search right after the first certificate: a list of one datiCertificato.
$out['ricerca'] = call($client, 'RicercaMalattia', ['medico' => $medico, 'lavoratore' => $lavoratore]);
$out['invio2'] = call($client, 'InviaMalattia', ['medico' => $medico, 'lavoratore' => $lavoratore, 'residenza' => $residenza, 'malattia' => $malattia($today)]);
$out['ricercaDue'] = call($client, 'RicercaMalattia', ['medico' => $medico, 'lavoratore' => $lavoratore, 'dataInizioRicerca' => $today, 'dataFineRicerca' => $today]);
// A request over the gateway's size limit: a genuine soap:Client fault, which SoapClient throws.
try {
    $client->__soapCall('InviaMalattia', [['medico' => $medico, 'lavoratore' => $lavoratore, 'residenza' => $residenza, 'malattia' => $malattia($today, str_repeat('x', 70000))]]);
    $out['fault'] = null;
} catch (SoapFault $fault) {
    $out['fault'] = ['faultcode' => $fault->faultcode, 'faultstring' => $fault->faultstring];
}
echo json_encode($out, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR), "\n";
