#!/bin/sh
# The brokers' TLS key and certificate for docker-compose.secure.yml, made once by the JDK's keytool
# of the Kafka image (no network, nothing installed): one self-signed certificate naming kafka-1,
# kafka-2, kafka-3 and localhost, which every client trusts as its CA (ca.pem, the certificate alone).
# Passwords come from the environment (keytool's :env), never from the command line.
#   /etc/kafka/secrets (brokers only): kafka.p12, ca.pem, admin.properties (the health check's login)
#   /etc/addp/tls (every client):      ca.pem
# (TLS_SECRETS_DIR, TLS_PUBLIC_DIR and TLS_FILES_OWNER move them and name their owner elsewhere, as
# ComposeSecureSettingsIT does.)
set -eu
: "${TLS_STORE_PASSWORD:?}" "${ADMIN_PASSWORD:?}"
secrets=${TLS_SECRETS_DIR:-/etc/kafka/secrets}
public=${TLS_PUBLIC_DIR:-/etc/addp/tls}
owner=${TLS_FILES_OWNER:-appuser}
if [ -s "$secrets/kafka.p12" ] && [ -s "$public/ca.pem" ]; then
  echo "TLS material already made"
  exit 0
fi
umask 077
rm -f "$secrets/kafka.p12"
keytool -genkeypair -alias kafka -keyalg EC -groupname secp256r1 -sigalg SHA256withECDSA \
  -dname "CN=addp compose brokers" -ext "SAN=dns:kafka-1,dns:kafka-2,dns:kafka-3,dns:localhost" -validity 825 \
  -keystore "$secrets/kafka.p12" -storetype PKCS12 -storepass:env TLS_STORE_PASSWORD -keypass:env TLS_STORE_PASSWORD
keytool -exportcert -rfc -alias kafka -keystore "$secrets/kafka.p12" -storetype PKCS12 -storepass:env TLS_STORE_PASSWORD \
  -file "$secrets/ca.pem"
# PLAIN over TLS on the brokers' internal listener, as the super user
cat > "$secrets/admin.properties" <<PROPERTIES
security.protocol=SASL_SSL
sasl.mechanism=PLAIN
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$ADMIN_PASSWORD";
ssl.truststore.type=PEM
ssl.truststore.location=$secrets/ca.pem
PROPERTIES
chmod 644 "$secrets/ca.pem"
# the brokers run as the image's appuser; this job runs as root to write the clients' volume
chown "$owner" "$secrets/kafka.p12" "$secrets/ca.pem" "$secrets/admin.properties"
cp "$secrets/ca.pem" "$public/ca.pem.new"
chmod 644 "$public/ca.pem.new"
mv "$public/ca.pem.new" "$public/ca.pem"
echo "TLS material made: $public/ca.pem"
