#!/bin/sh
# mmdebstrap customize hook ($1: the root file system): Java's trust store, reproducibly.
# ca-certificates-java writes a JKS keystore that dates every entry by the clock, so two builds of the same
# packages differed in this one file. It becomes a password-less PKCS12 of the same certificates, which dates
# nothing, as OpenJDK's own cacerts has been since JDK 18 (JDK-8275252): the image's pinned digest is its integrity.
set -eu
store=/etc/ssl/certs/java/cacerts
chroot "$1" env JAVA_TOOL_OPTIONS="-Dkeystore.pkcs12.certProtectionAlgorithm=NONE -Dkeystore.pkcs12.macAlgorithm=NONE" \
    keytool -importkeystore -noprompt -srckeystore "$store" -srcstorepass changeit \
        -destkeystore "$store.p12" -deststoretype PKCS12 -deststorepass changeit >/dev/null 2>&1
mv "$1$store.p12" "$1$store"
