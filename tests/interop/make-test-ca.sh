#!/usr/bin/env bash
# Makes a throwaway certificate authority and a server certificate signed by
# it, for TLS and WSS interop tests on the loopback address:
#
#   make-test-ca.sh DIR
#
# writes, in DIR (created if needed):
#   ca.pem, ca.key           the CA (CN "sipua interop test CA", 2 days)
#   server.pem, server.key   the server's certificate (CN localhost; SAN
#                            DNS:localhost, IP:127.0.0.1, IP:::1; serverAuth
#                            and clientAuth; 2 days), signed by the CA
#   server-chain.pem         server.pem followed by ca.pem
# Keys are EC P-256 (fast to make), unencrypted, mode 0600. Nothing is
# trusted system-wide: clients must be given ca.pem explicitly.
# Exit status: 0 done, 1 failure (openssl's message on stderr), 2 usage.
set -euo pipefail

if (($# != 1)); then
    echo "usage: $0 DIR" >&2
    exit 2
fi
dir=$1
mkdir -p "$dir"
cd "$dir"
umask 077

openssl_q()
{
    local out
    if ! out=$(openssl "$@" 2>&1 </dev/null); then
        printf 'make-test-ca: openssl %s failed:\n%s\n' "$1" "$out" >&2
        exit 1
    fi
}

openssl_q ecparam -name prime256v1 -genkey -noout -out ca.key
openssl_q req -new -x509 -key ca.key -out ca.pem -days 2 -sha256 \
    -subj "/O=sipua tests/CN=sipua interop test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash"

openssl_q ecparam -name prime256v1 -genkey -noout -out server.key
openssl_q req -new -key server.key -out server.csr -subj "/O=sipua tests/CN=localhost"
cat >server.ext <<'EXT'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
authorityKeyIdentifier = keyid
subjectKeyIdentifier = hash
EXT
openssl_q x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -out server.pem -days 2 -sha256 -extfile server.ext
cat server.pem ca.pem >server-chain.pem
rm -f server.csr server.ext ca.srl
chmod 0644 ca.pem server.pem server-chain.pem
openssl_q verify -CAfile ca.pem server.pem
