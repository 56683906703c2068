#!/usr/bin/env bash
# Debian packages the test suite needs beyond Node:
#  - python3-zeep        zeep client in test/gateway.thirdPartyClients.test.ts (Debian's /usr/bin/python3)
#  - php-cli, php-soap   PHP SoapClient in the same test
#  - jaxws               wsimport and the JAX-WS runtime: the Java client of the same test
#  - a JDK (javac+java)  Xerces validation via xsd-schema-validator, whose npm postinstall
#                        compiles a helper class with javac: run this script before `npm ci`.
#  - poppler-utils       pdftotext, pdfinfo, pdfimages: the printed copies in test/print.allegati.test.ts
#  - postgresql          initdb and pg_ctl (/usr/lib/postgresql/<version>/bin): the PostgreSQL half of the
#                        store tests starts a throw-away cluster (test/support/postgres.ts); the package's own
#                        cluster service is not needed and not started by the tests
#  - nginx               the load balancer of test/deploy.nginx.test.ts and test/deploy.rollingRestart.test.ts
#                        (run unprivileged in a temp directory; the package's own service is not needed)
# Idempotent: installs only what is missing, and touches apt not at all when nothing is.
set -euo pipefail

missing=()

# zeep must load in Debian's interpreter: a pyenv/venv python3 earlier in PATH does not see it.
if ! /usr/bin/python3 -c 'import zeep' >/dev/null 2>&1; then
  missing+=(python3-zeep)
fi
if ! command -v php >/dev/null 2>&1; then
  missing+=(php-cli php-soap)
elif ! php -r 'exit(class_exists("SoapClient") ? 0 : 1);' >/dev/null 2>&1; then
  missing+=(php-soap)
fi
if ! command -v javac >/dev/null 2>&1 || ! command -v java >/dev/null 2>&1; then
  missing+=(default-jdk-headless)
fi
if ! command -v wsimport >/dev/null 2>&1 || [ ! -e /usr/share/jaxws/lib/jaxws-rt.jar ]; then
  missing+=(jaxws)
fi

if ! command -v pdftotext >/dev/null 2>&1 || ! command -v pdfimages >/dev/null 2>&1 || ! command -v pdfinfo >/dev/null 2>&1; then
  missing+=(poppler-utils)
fi

if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  missing+=(postgresql)
fi

if [ ! -x /usr/sbin/nginx ]; then
  missing+=(nginx)
fi

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-test-deps: all present (python3-zeep, php-soap, JDK, jaxws, poppler-utils, postgresql, nginx)"
  exit 0
fi

echo "install-test-deps: installing ${missing[*]}"
SUDO=()
if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"

# Fail here, with a clear message, rather than later inside a test.
/usr/bin/python3 -c 'import zeep'
php -r 'exit(class_exists("SoapClient") ? 0 : 1);'
javac -version >/dev/null 2>&1
wsimport -version >/dev/null 2>&1
pdftotext -v >/dev/null 2>&1
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null
/usr/sbin/nginx -v
echo "install-test-deps: done"
