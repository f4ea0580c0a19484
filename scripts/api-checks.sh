#!/usr/bin/env bash
# API checks against a live `delaygate serve`: OAuth interoperability (scripts/oauth_interop.py)
# and schemathesis against the OpenAPI document the server itself serves at /openapi.yaml.
#
# Python packages (installed below when missing):
#   python3 -m pip install 'schemathesis==4.32.5' 'authlib==1.9.10' 'requests-oauthlib==2.0.0'
#
# Usage: scripts/api-checks.sh [path/to/delaygate]     (default .build/debug/delaygate)
# Environment:
#   API_CHECKS_EXAMPLES   schemathesis test cases per operation and phase (default 25)
#   API_CHECKS_SEED       schemathesis seed (default fixed, so that runs are reproducible)
#   API_CHECKS_SKIP       schemathesis checks to leave out, comma-separated (for a known server bug
#                         while it is being fixed, e.g. unsupported_method)
#   API_CHECKS_SPEC       spec to test instead of the served one (a file or URL; for iterating)
#   API_CHECKS_KEEP=1     keep the temporary working directory (logs, database, reports)
#
# 1. The gateway runs in a temporary working directory with copies of config/ and adapters/, an
#    empty OAuth clients file, random secrets (HS256 token key, webhook verification secrets) and
#    every other variable the adapters name unset (outbound credentials, ERP poller), so that it
#    never calls anything outside this machine. Three clients are created, data is seeded
#    (events, an order, a signed webhook, until an alert is raised), then oauth_interop.py and
#    schemathesis run.
# 2. It is restarted with an ES256 signing key and the HS256 key kept as verify-only (a key
#    rotation): the old token must still work, the new ones verify against /.well-known/jwks.json.
# Each time the server is stopped with SIGTERM and must exit 0.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
binary=${1:-.build/debug/delaygate}
[[ $binary == /* ]] || binary="$PWD/$binary"
examples=${API_CHECKS_EXAMPLES:-25}
python=${PYTHON:-python3}

log() { printf 'api-checks: %s\n' "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }

[[ -x $binary ]] || fail "no executable at $binary (build first: swift build)"
for tool in curl openssl "$python"; do
    command -v "$tool" >/dev/null || fail "$tool is needed"
done
if ! "$python" -c 'import schemathesis, authlib, requests_oauthlib' 2>/dev/null; then
    log "installing schemathesis, authlib and requests-oauthlib"
    "$python" -m pip install --quiet 'schemathesis==4.32.5' 'authlib==1.9.10' 'requests-oauthlib==2.0.0'
fi

# --- working directory and server lifecycle --------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/delaygate-api-checks.XXXXXX")
server_pid=""
server_log=""

# start_server LOG: starts `delaygate serve` on $port and waits for its "listening" line.
start_server() {
    server_log=$work/$1
    "$binary" serve --port "$port" >"$server_log" 2>&1 &
    server_pid=$!
    local _
    for _ in $(seq 1 600); do # up to 60 s
        if grep -q "delaygate listening on $base" "$server_log" 2>/dev/null; then
            log "server up at $base (pid $server_pid, log $server_log)"
            return 0
        fi
        if ! kill -0 "$server_pid" 2>/dev/null; then
            wait "$server_pid" || true
            server_pid=""
            fail "delaygate serve exited during start-up"
        fi
        sleep 0.1
    done
    fail "delaygate serve did not log 'delaygate listening on $base' within 60 s"
}

# stop_server: SIGTERM, then waits up to 30 s for the process; returns its exit status.
stop_server() {
    local pid=$server_pid status=0 _
    [[ -n $pid ]] || return 0
    server_pid=""
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "the server did not stop within 30 s of SIGTERM; killing it"
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        return 124
    fi
    wait "$pid" || status=$?
    return "$status"
}

stop_server_cleanly() {
    log "stopping the server (SIGTERM)"
    local status=0
    stop_server || status=$?
    [[ $status -eq 0 ]] || fail "delaygate serve exited with status $status after SIGTERM"
    if grep -qE "Fatal error|fatal error|Segmentation fault|crashed" "$server_log"; then
        fail "the server log reports a crash ($server_log)"
    fi
}

cleanup() {
    local status=$?
    if [[ -n $server_pid ]]; then
        stop_server || log "the server exited with status $? after SIGTERM"
    fi
    if [[ $status -ne 0 && -n $server_log && -f $server_log ]]; then
        log "last lines of the server log ($server_log):"
        tail -n 30 "$server_log" >&2 || true
    fi
    if [[ ${API_CHECKS_KEEP:-0} == 1 || $status -ne 0 ]]; then
        log "working directory kept: $work"
    else
        rm -rf "$work"
    fi
    exit "$status"
}
trap cleanup EXIT

cp -R "$repo/config" "$repo/adapters" "$work/"
cat >"$work/config/clients.yaml" <<'EOF'
# Written by scripts/api-checks.sh; `delaygate clients create` adds the clients.
clients: []
EOF
cd "$work"

# --- environment ---------------------------------------------------------------------------
random() { openssl rand -base64 48 | tr -d '\n'; }
export DELAYGATE_TOKEN_SECRET
DELAYGATE_TOKEN_SECRET=$(random)
# The webhook adapters' verification secrets get random values (their routes then answer 401 to
# unsigned requests rather than 503); every other variable the adapter files name (outbound
# credentials and URLs, the ERP poller's) is unset, so nothing is delivered or polled.
adapter_variables=$("$python" - <<'EOF'
import glob, re, yaml
reference = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)")
# Secrets are the references without a fallback: `${NAME:-300}` (a tolerance) keeps its default.
secret = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
verification, other = set(), set()
for path in sorted(glob.glob("adapters/*.yaml") + glob.glob("adapters/outbound/*.yaml")):
    text = open(path, encoding="utf-8").read()
    document = yaml.safe_load(text) or {}
    signed = set(secret.findall(yaml.safe_dump(document.get("verification") or {})))
    if "/outbound/" not in path:
        verification |= signed
    other |= set(reference.findall(text)) - signed
for name in sorted(verification):
    print("set", name)
for name in sorted(other - verification):
    print("unset", name)
EOF
)
while read -r action name; do
    case $action in
        set) export "$name=$(random)" ;;
        unset) unset "$name" ;;
    esac
done <<<"$adapter_variables"

port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
export DELAYGATE_ISSUER=$base

# --- helpers -------------------------------------------------------------------------------
# request METHOD PATH EXPECTED_STATUS [curl arguments…]: prints the body; fails on another status.
request() {
    local method=$1 path=$2 expected=$3 status
    shift 3
    status=$(curl -sS -o "$work/response" -w '%{http_code}' -X "$method" "$@" "$base$path") \
        || fail "$method $path: curl failed"
    [[ $status == "$expected" ]] \
        || fail "$method $path answered $status, expected $expected: $(head -c 600 "$work/response")"
    cat "$work/response"
}
# json EXPRESSION: evaluates a Python expression on `d`, the JSON document on standard input.
json() { "$python" -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

create_client() {
    local id=$1 output secret
    shift
    output=$("$binary" clients create --id "$id" "${@/#/--scope=}" 2>&1) || fail "clients create $id: $output"
    secret=$(sed -n 's/^client secret (shown once, store it now): //p' <<<"$output")
    [[ -n $secret ]] || fail "clients create $id printed no secret: $output"
    printf '%s' "$secret"
}

oauth_interop() {
    # Secrets through the environment: one may start with '-', and they stay out of `ps`.
    DELAYGATE_BASE_URL=$base \
        DELAYGATE_CLIENT_ID=api-checks-reader DELAYGATE_CLIENT_SECRET=$reader_secret \
        DELAYGATE_RESTRICTED_CLIENT_ID=api-checks-writer DELAYGATE_RESTRICTED_CLIENT_SECRET=$writer_secret \
        "$python" "$repo/scripts/oauth_interop.py" || fail "scripts/oauth_interop.py"
}

# --- 1. clients (before serve: it reads them at start-up), server, seed data -------------------
all_secret=$(create_client api-checks-all admin alerts:read events:write orders:write)
writer_secret=$(create_client api-checks-writer events:write)
reader_secret=$(create_client api-checks-reader alerts:read)
start_server serve.log

token=$(request POST /oauth/token 200 -u "api-checks-all:$all_secret" -d grant_type=client_credentials \
    | json 'd["access_token"]')
bearer=(-H "Authorization: Bearer $token")

since=$(date -u -d '3 days ago' +%Y-%m-%dT%H:%M:%SZ)
events='{"events":[{"event_id":"api-checks-1","carrier":"sf-express","tracking_number":"SF1400000001","time":"'"$since"'","milestone":"hub_arrival","raw_code":"30","raw_text":"快件到达【杭州转运中心】","node":{"facility_code":"571WA","facility_name":"杭州转运中心","city":"杭州市","region":"浙江省","country":"CN"}},{"carrier":"sf-express"}]}'
rejected=$(request POST /v1/events 202 "${bearer[@]}" -H 'Content-Type: application/json' --data-binary "$events" \
    | json '[item["index"] for item in d.get("rejected_items", [])]')
[[ $rejected == "[1]" ]] || fail "POST /v1/events reported rejected items $rejected, expected [1]"
orders='{"orders":[{"id":"SO-api-checks-1","customer":{"id":"c-1","name":"王小明","preferred_channel":"sms"},"destination":{"city":"杭州市","region":"浙江省","country":"CN"},"value":{"amount":"1299.50","currency":"CNY"},"promised_delivery_date":"2026-11-14","shipments":[{"carrier":"zto","tracking_number":"ZT0000000001"}],"updated_at":"2026-11-11T10:00:00+08:00"}]}'
request POST /v1/orders 202 "${bearer[@]}" -H 'Content-Type: application/json' --data-binary "$orders" >/dev/null
# A canonical-json webhook signed as docs/canonical-json.md says, and the same unsigned.
hook='{"events":[{"carrier":"zto","tracking_number":"ZT0000000001","time":"'"$since"'","milestone":"picked_up","node":{"facility_code":"HZ01","region":"浙江省","country":"CN"}}]}'
stamp=$(date +%s)
signature=$(printf '%s.%s' "$stamp" "$hook" | openssl dgst -sha256 -hmac "$DELAYGATE_INTEGRATOR_SECRET" -r | cut -d' ' -f1)
request POST /webhooks/integrator 202 -H 'Content-Type: application/json' \
    -H "X-DelayGate-Signature: t=$stamp,v1=$signature" --data-binary "$hook" >/dev/null
request POST /webhooks/integrator 401 -H 'Content-Type: application/json' --data-binary "$hook" >/dev/null
# The deadline scheduler raises the dwell alert of SF1400000001 (three days at a hub).
alerts=0
for _ in $(seq 1 300); do # up to 30 s
    alerts=$(request GET '/v1/alerts?facility=571WA' 200 "${bearer[@]}" | json 'len(d["alerts"])')
    [[ $alerts -gt 0 ]] && break
    sleep 0.1
done
[[ $alerts -gt 0 ]] || fail "no alert was raised for SF1400000001 within 30 s"
request GET /v1/shipments/sf-express/SF1400000001 200 "${bearer[@]}" >/dev/null
request GET /v1/insights/nodes/571WA 200 "${bearer[@]}" >/dev/null
log "seeded: events, an order, a signed webhook; $alerts alert(s) at 571WA"

log "OAuth interoperability (HS256)"
oauth_interop

# --- schemathesis --------------------------------------------------------------------------
export API_CHECKS_TOKEN=$token API_CHECKS_CLIENT_SECRET=$all_secret
cat >schemathesis.toml <<'EOF'
# Written by scripts/api-checks.sh.
# Credentials per security scheme of the spec: the protected routes get the bearer token (all
# four scopes), the token endpoint gets the client's HTTP Basic credentials.
[auth.openapi.oauth2]
bearer = "${API_CHECKS_TOKEN}"

[auth.openapi.bearer]
bearer = "${API_CHECKS_TOKEN}"

[auth.openapi.clientBasic]
username = "api-checks-all"
password = "${API_CHECKS_CLIENT_SECRET}"

# Every schemathesis check runs (not_a_server_error, status_code_conformance,
# content_type_conformance, response_schema_conformance, response_headers_conformance,
# positive_data_acceptance, negative_data_rejection, missing_required_header, ignored_auth,
# unsupported_method, allow_header_conformance, use_after_free, ensure_resource_availability, …)
# except where an operation's design makes one inapplicable:

# POST /webhooks/{adapter} takes each vendor's own body, media type and signature, which one
# operation cannot describe per adapter (Kdniao reads a form, the others JSON; every adapter wants
# its vendor's signature, which schemathesis cannot compute). So neither is a request that is
# valid by the spec expected to be accepted, nor one that violates it to be refused.
[[operations]]
include-path = "/webhooks/{adapter}"
checks.positive_data_acceptance.enabled = false
checks.negative_data_rejection.enabled = false

# The batch endpoints keep the usable items of a batch and report the others in the 202 answer's
# `rejected_items` (docs/canonical-json.md, "Partial batches"): a batch with one schema-violating
# item is accepted by design.
[[operations]]
include-path = ["/v1/events", "/v1/orders"]
checks.negative_data_rejection.enabled = false
EOF
if [[ -n ${API_CHECKS_SKIP:-} ]]; then
    printf '\n# API_CHECKS_SKIP\n[checks]\n' >>schemathesis.toml
    for check in ${API_CHECKS_SKIP//,/ }; do
        printf '%s.enabled = false\n' "$check" >>schemathesis.toml
    done
    log "leaving out the schemathesis checks $API_CHECKS_SKIP (API_CHECKS_SKIP)"
fi

# schemathesis SPEC [options…]
schemathesis_run() {
    local spec=$1
    shift
    log "schemathesis against $spec"
    "$python" -m schemathesis.cli --config-file "$work/schemathesis.toml" run "$spec" \
        --url "$base" \
        --seed "${API_CHECKS_SEED:-20261203}" \
        --request-timeout 10 \
        --no-color \
        "$@" \
        || fail "schemathesis (each failure above has a curl line to reproduce it; $work is kept)"
}
# The spec the server serves, saved to a file: schemathesis leaves out the operation its schema
# was loaded from, so testing a copy covers GET /openapi.yaml too.
if [[ -n ${API_CHECKS_SPEC:-} ]]; then
    spec=$API_CHECKS_SPEC
else
    spec=$work/openapi.yaml
    request GET /openapi.yaml 200 >"$spec"
    log "GET /openapi.yaml: $(wc -c <"$spec") bytes"
fi
schemathesis_run "$spec" --max-examples "$examples" --report junit --report-dir "$work/schemathesis-report"
stop_server_cleanly

# --- 2. key rotation to ES256 -------------------------------------------------------------
openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out config/oauth-es256.pem
"$python" - <<'EOF'
import yaml
path = "config/oauth.yaml"
settings = yaml.safe_load(open(path, encoding="utf-8"))
keys = settings["signing_keys"]
for key in keys:  # the key that signed until now only verifies (its tokens stay valid)
    key["verify_only"] = True
    key["retire_at"] = "2099-01-01T00:00:00Z"
keys.insert(0, {"kid": "es-api-checks", "algorithm": "ES256", "private_key_file": "config/oauth-es256.pem"})
yaml.safe_dump(settings, open(path, "w", encoding="utf-8"), allow_unicode=True, sort_keys=False)
EOF
start_server serve-es256.log
request GET /v1/alerts 200 "${bearer[@]}" >/dev/null # the HS256 token of phase 1
log "OAuth interoperability (ES256, HS256 verify-only)"
oauth_interop
schemathesis_run "$spec" --max-examples 5 --include-path-regex '^/\.well-known/' --phases examples,coverage,fuzzing
stop_server_cleanly
log "all checks passed"
