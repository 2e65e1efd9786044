#!/bin/sh
# Validate docker-compose.yml and its secure variant (docker-compose.secure.yml laid over it) with
# Debian's docker-compose, which needs no Docker engine for `config`: syntax, anchors, service
# references, the merge of the two files. Also checks what they publish: every published port binds
# the host's loopback; the secure variant publishes no Kafka port and no Connect REST API, has no
# PLAINTEXT listener, and refuses to start without its passwords (none has a default). Nothing here
# starts a container. Installs the package when missing; waits for another apt to finish rather
# than racing it.
set -e
cd "$(dirname "$0")/.."
if ! command -v docker-compose >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  while pgrep -x apt-get >/dev/null || pgrep -x apt >/dev/null || pgrep -x dpkg >/dev/null; do sleep 5; done
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends docker-compose
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: > "$work/empty.env"
secrets="KAFKA_ADMIN_PASSWORD KAFKA_TLS_STORE_PASSWORD ADDP_USERS_PASSWORD_INGEST ADDP_USERS_PASSWORD_RECOGNITION
  ADDP_USERS_PASSWORD_GENERATION ADDP_USERS_PASSWORD_STATUS ADDP_USERS_PASSWORD_CONNECT"
for v in $secrets; do echo "$v=dummy-$v"; done > "$work/dummy.env"
# this shell's own variables must not fill in for the env file
for v in $secrets; do unset "$v"; done

docker-compose --env-file "$work/empty.env" -f docker-compose.yml config > "$work/plain.yml"
echo "docker-compose.yml: valid"
secure="-f docker-compose.yml -f docker-compose.secure.yml"
docker-compose --env-file "$work/dummy.env" $secure config > "$work/secure.yml"
echo "docker-compose.yml + docker-compose.secure.yml: valid"
if docker-compose --env-file "$work/empty.env" $secure config -q 2> "$work/refused.txt"; then
  echo "the secure variant is valid without its passwords: a password has a default" >&2
  exit 1
fi
grep -q "set it in the env file" "$work/refused.txt" || { cat "$work/refused.txt" >&2; exit 1; }
if grep -n '\${[A-Za-z0-9_]*:*-[^}]' docker-compose.secure.yml >&2; then
  echo "docker-compose.secure.yml: a variable above has a default value" >&2
  exit 1
fi
echo "docker-compose.secure.yml: refused without the env file's passwords"

python3 - "$work/plain.yml" "$work/secure.yml" <<'PY'
import sys, yaml

def started(path):
    """The services `up` starts (no profile given) and the ports they publish."""
    services = yaml.safe_load(open(path))["services"]
    return {name: s.get("ports", []) for name, s in services.items() if not s.get("profiles")}, services

problems = []
for path in sys.argv[1:]:
    ports, services = started(path)
    for name, published in ports.items():
        for p in published:
            if not str(p).startswith("127.0.0.1:"):
                problems.append(f"{path}: {name} publishes {p} beyond the host's loopback")
plain_ports, _ = started(sys.argv[1])
secure_ports, secure = started(sys.argv[2])
for name, published in secure_ports.items():
    if name.startswith("kafka") and published:
        problems.append(f"secure: {name} publishes {published}")
    if any(":8083" in str(p) for p in published):
        problems.append(f"secure: {name} publishes a Connect REST API")
for name, s in secure.items():
    env = s.get("environment", {})
    if name.startswith("kafka-") and "KAFKA_NODE_ID" in env:
        if "PLAINTEXT" in env.get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "PLAINTEXT"):
            problems.append(f"secure: {name} has a PLAINTEXT listener")
        if env.get("KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND") != "false" or "StandardAuthorizer" not in env.get("KAFKA_AUTHORIZER_CLASS_NAME", ""):
            problems.append(f"secure: {name} does not refuse what no ACL allows")
for p in problems:
    print(p, file=sys.stderr)
if problems:
    sys.exit(1)
print("published ports: loopback only; secure variant: no Kafka or Connect REST port, no PLAINTEXT listener, ACLs enforced")
PY
