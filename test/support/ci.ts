/**
 * Whether this run is CI's (CI set, and not "", "false" or "0"): there a
 * missing third-party part (PostgreSQL, nginx, a SOAP client, poppler) fails
 * its test instead of skipping it, since .ci/install-test-deps.sh installs them all.
 */
export const IN_CI = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false' && process.env.CI !== '0';
