#!/usr/bin/env bash
# layout.sh — the layout rules of README "Where things are", checked over
# the sources (a ctest test):
#  * only broker/storage/ sees RocksDB;
#  * clients/, policy/ and broker/shared/ include no server header (core/,
#    storage/, log/, server/, metrics/): they build without the broker;
#  * broker/core/ keeps no process-wide mutable state (no static mutex or
#    static container a route could share by accident);
#  * every gRPC method on the network port is served by the one transport
#    (no service class outside broker/server/grpc_transport.*); the one
#    exception is LocalOperations (broker/server/local_operations.*), served
#    only on the admin socket (a Unix socket of mode 600, never the network
#    port: proto/riec/v1/local.proto).
set -euo pipefail
cd "$(dirname "$0")/../.."
status=0
fail() { echo "layout: $*" >&2; status=1; }

rocks=$(grep -rlE '#include [<"]rocksdb/' --include='*.cc' --include='*.h' broker clients policy tests | grep -v '^broker/storage/' || true)
[ -z "$rocks" ] || fail "RocksDB outside broker/storage/: $rocks"

server=$(grep -rlE '#include "(core|storage|log|server|metrics)/' --include='*.cc' --include='*.h' clients policy broker/shared || true)
[ -z "$server" ] || fail "a server header included outside the server: $server"

statics=$( (grep -rnE '^\s*static\s+(absl::Mutex|std::mutex)\b' --include='*.cc' --include='*.h' broker/core;
  grep -rnE '^\s*static\s+(std::(unordered_)?(map|set)|std::vector|absl::flat_hash_(map|set))<[^()]*>\s+\w+\s*(;|=|\{)' \
    --include='*.cc' --include='*.h' broker/core) | grep -v '_test\.cc:' || true)
[ -z "$statics" ] || fail "process-wide mutable state in broker/core: $statics"

services=$(grep -rlE 'public\s+v1::[A-Za-z]+::(Service|CallbackService|AsyncService)\b|::WithCallbackMethod_' \
  --include='*.cc' --include='*.h' broker | grep -v '^broker/server/local_operations\.h$' || true)
[ -z "$services" ] || fail "a gRPC service class besides the generic transport: $services"

[ $status -eq 0 ] && echo "layout: ok"
exit $status
