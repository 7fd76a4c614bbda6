#!/bin/sh
# Regenerates the TLS test material used by tests/unit/gateway/http_client_test.cpp:
#   ca.pem / ca-key.pem         test CA (never trust it outside the tests)
#   server.pem / server-key.pem CN=localhost, SAN DNS:localhost, IP:127.0.0.1, IP:::1
#   other.pem / other-key.pem   SAN DNS:other.invalid (for the wrong-host-name test)
# Everything is valid for 100 years. Keys are ECDSA P-256. Requires the openssl CLI.
set -eu
cd "$(dirname "$0")"
DAYS=36500
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/ca.key"
openssl pkcs8 -topk8 -nocrypt -in "$tmp/ca.key" -out ca-key.pem
openssl req -x509 -new -key ca-key.pem -sha256 -days "$DAYS" -out ca.pem \
  -subj "/O=Flowgate tests/CN=Flowgate Test CA" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -addext "subjectKeyIdentifier=hash"

issue() {  # name CN SAN
  openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/$1.key"
  openssl pkcs8 -topk8 -nocrypt -in "$tmp/$1.key" -out "$1-key.pem"
  openssl req -new -key "$1-key.pem" -subj "/O=Flowgate tests/CN=$2" -out "$tmp/$1.csr"
  cat > "$tmp/$1.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$3
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid,issuer
EXT
  openssl x509 -req -in "$tmp/$1.csr" -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
    -CAserial "$tmp/ca.srl" -sha256 -days "$DAYS" -extfile "$tmp/$1.ext" -out "$1.pem"
}

issue server localhost "DNS:localhost,IP:127.0.0.1,IP:::1"
issue other other.invalid "DNS:other.invalid"

# Test-only keys: readable by whoever runs the tests.
chmod 644 ./*.pem
openssl verify -CAfile ca.pem server.pem other.pem
