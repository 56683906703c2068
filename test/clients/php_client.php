<?php
// Calls the gateway with PHP's SoapClient, built at run time from the served WSDL.
//
// Usage: php php_client.php WSDL_URL USER PASSWORD ENCRYPTED_PINCODE TODAY
//
// Prints one JSON object: each call's result (SoapClient's stdClass, as arrays)
// and the request XML it sent, for the Node test to check.

if ($argc < 6) {
    fwrite(STDERR, "usage: php_client.php WSDL_URL USER PASSWORD PINCODE TODAY\n");
    exit(2);
}
[, $wsdl, $user, $password, $pincode, $today] = $argv;

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
]);

function call(SoapClient $client, string $name, array $payload): array
{
    $result = $client->__soapCall($name, [$payload]);
    return [
        // stdClass trees to plain arrays; a single errore stays an object, not a list.
        'result' => json_decode(json_encode($result), true),
        'sent' => $client->__getLastRequest(),
    ];
}

$medico = ['pincode' => $pincode];
$lavoratore = ['codiceFiscale' => 'RSSMRA80A01H501U'];
$residenza = ['via' => 'Via Nazionale', 'civico' => '10', 'cap' => '00184', 'codiceCatastale' => 'H501', 'comune' => 'Roma', 'provincia' => 'RM'];
$malattia = fn (string $dataFine) => [
    'ruoloMedico' => 'S', 'dataRilascio' => $today, 'dataInizio' => $today, 'dataFine' => $dataFine,
    'visita' => 'A', 'tipoCertificato' => 'I',
    // Non-ASCII on purpose: checks that the UTF-8 text arrives intact.
    'diagnosi' => ['codiceDiagnosi' => '487.1', 'noteDiagnosi' => 'Febbre, cefalea e astenia: è influenza'],
];

$out = [
    'functions' => $client->__getFunctions(),
    'interrogazione' => call($client, 'InterrogazioneLavoratore', ['medico' => $medico, 'lavoratore' => $lavoratore]),
    'invio' => call($client, 'InviaMalattia', ['medico' => $medico, 'lavoratore' => $lavoratore, 'residenza' => $residenza, 'malattia' => $malattia($today)]),
    // dataFine before dataInizio: a rule violation the gateway answers in ricevutaNonOk.
    'invioErrato' => call($client, 'InviaMalattia', ['medico' => $medico, 'lavoratore' => $lavoratore, 'residenza' => $residenza, 'malattia' => $malattia('2000-01-01')]),
];
// An operation the gateway does not offer yet: a SOAP fault, which SoapClient throws.
try {
    $client->__soapCall('RicercaMalattia', [['medico' => $medico, 'lavoratore' => $lavoratore]]);
    $out['fault'] = null;
} catch (SoapFault $fault) {
    $out['fault'] = ['faultcode' => $fault->faultcode, 'faultstring' => $fault->faultstring];
}
echo json_encode($out, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR), "\n";
